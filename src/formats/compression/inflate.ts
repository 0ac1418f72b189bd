import { createInflate, createInflateRaw, crc32 } from 'node:zlib';
import type { ByteSource } from '../../core/source.js';
import type { BoundedOutput } from './output.js';

export interface InflateResult {
  /** Compressed bytes the deflate stream used, from `start`. */
  consumed: number;
  complete: boolean;
  error?: string;
  /** CRC-32 of the bytes this stream produced (as far as it got). */
  crc: number;
}

const STEP = 64 * 1024;

/** Inflates one deflate (raw) or zlib stream that starts at `start`, into a bounded output. */
export async function inflateFrom(source: ByteSource, start: number, mode: 'raw' | 'zlib', output: BoundedOutput): Promise<InflateResult> {
  const stream = mode === 'raw' ? createInflateRaw() : createInflate();
  const result: InflateResult = { consumed: 0, complete: false, crc: 0 };
  let done = false;
  const finished = new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      result.crc = crc32(chunk, result.crc) >>> 0;
      if (!output.push(chunk)) {
        done = true;
        stream.destroy();
        resolve();
      }
    });
    stream.on('error', (error: Error) => {
      if (!result.complete) result.error ??= error.message;
      done = true;
      resolve();
    });
    stream.on('end', () => {
      result.complete = true;
      done = true;
      resolve();
    });
    stream.on('close', () => {
      done = true;
      resolve();
    });
  });
  let offset = start;
  while (!done && offset < source.size) {
    const chunk = await source.read(offset, STEP);
    offset += chunk.length;
    // A failed stream may never call the write callback; 'close' always comes.
    await new Promise<void>((resolve) => {
      const settle = () => {
        stream.off('close', settle);
        resolve();
      };
      stream.once('close', settle);
      stream.write(chunk, settle);
    });
  }
  if (!done) stream.end();
  await finished;
  result.consumed = stream.bytesWritten;
  if (!result.complete && result.error === undefined && output.stopped === undefined) result.error = 'stream is truncated';
  return result;
}
