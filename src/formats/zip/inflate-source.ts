import { createInflateRaw, type InflateRaw } from 'node:zlib';
import type { ByteSource } from '../../core/source.js';

export interface InflateStatus {
  /** Bytes inflated so far. */
  produced: number;
  /** Compressed bytes fed to the inflater so far. */
  consumed: number;
  /** The deflate stream reached its end marker. */
  complete: boolean;
  /** Inflating stopped at the cap before the stream ended. */
  limitHit: boolean;
  error?: string;
}

export interface InflatingSource extends ByteSource {
  readonly status: InflateStatus;
  /** Inflates up to `bytes` output bytes (bounded by the cap); returns what is held. */
  inflateTo(bytes: number): Promise<Uint8Array>;
}

const FIRST_STEP = 1024;
const MAX_STEP = 256 * 1024;

/**
 * A deflated entry as a random-access source that inflates lazily and only as far as reads need:
 * a sniff costs the first few KiB, never the whole tensor. Output is held in memory and capped at `cap`.
 * Input is fed in growing steps so a highly compressible start cannot blow up a small read.
 */
export function inflatingSource(compressed: ByteSource, size: number, cap: number, label: string): InflatingSource {
  const status: InflateStatus = { produced: 0, consumed: 0, complete: false, limitHit: false };
  let chunks: Buffer[] = [];
  let stream: InflateRaw | undefined;
  let finished = false;
  let step = FIRST_STEP;
  let queue: Promise<unknown> = Promise.resolve();

  const start = (): InflateRaw => {
    const s = createInflateRaw();
    s.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      status.produced += chunk.length;
    });
    s.on('error', (error: Error) => {
      status.error ??= error.message;
      finished = true;
    });
    s.on('end', () => {
      status.complete = true;
      finished = true;
    });
    return s;
  };


  const feed = async (s: InflateRaw): Promise<void> => {
    const input = await compressed.read(status.consumed, step);
    step = Math.min(step * 2, MAX_STEP);
    if (input.length === 0) {
      if (!finished) {
        await new Promise<void>((resolve) => {
          if (s.destroyed) resolve();
          s.once('close', () => resolve());
          s.end();
        });
        if (!status.complete) status.error ??= 'deflate stream is truncated';
        finished = true;
      }
      return;
    }
    status.consumed += input.length;
    // The write callback may never fire once the stream has failed; 'close' always does.
    await new Promise<void>((resolve) => {
      const done = () => {
        s.off('close', done);
        setImmediate(resolve);
      };
      s.once('close', done);
      s.write(input, done);
    });
  };

  const grow = async (bytes: number): Promise<void> => {
    const target = Math.min(bytes, cap + 1);
    stream ??= start();
    while (status.produced < target && !finished) await feed(stream);
    if (status.produced > cap) {
      status.limitHit = true;
      finished = true;
      stream.destroy();
    }
    if (chunks.length > 1) chunks = [Buffer.concat(chunks)];
  };

  const held = (): Buffer => chunks[0] ?? Buffer.alloc(0);

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    size,
    label,
    status,
    inflateTo: (bytes) => serial(async () => {
      await grow(bytes);
      return held().subarray(0, Math.min(bytes, cap));
    }),
    read: (offset, length) => serial(async () => {
      const from = Math.max(0, Math.min(offset, size));
      const to = Math.max(from, Math.min(offset + length, size));
      if (to === from) return new Uint8Array(0);
      await grow(to);
      const bytes = held();
      return bytes.subarray(Math.min(from, bytes.length, cap), Math.min(to, bytes.length, cap));
    }),
  };
}
