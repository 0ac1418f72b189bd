import type { FileHandle } from 'node:fs/promises';

const BATCH_BYTES = 1024 * 1024;

/**
 * Sequential positional writes, batched to ~1 MiB with one write in flight, so the network read
 * and the disk write overlap while backpressure still holds (write() waits for the previous batch).
 * Once a batch is on disk its buffers are handed to `written` (the hasher, which takes them over);
 * the next batch waits for that too.
 */
export class ChunkWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly written: (buffers: Buffer[]) => Promise<void>,
  ) {}

  /** Bytes handed to write(), whether or not already on disk. */
  get offset(): number {
    return this.position + this.pendingBytes;
  }

  async write(chunk: Buffer): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BATCH_BYTES) await this.issue();
  }

  /** Waits until every byte handed to write() is in the file (and handed to `written`). */
  async flush(): Promise<void> {
    await this.issue();
    await this.inFlight;
  }

  /** Drops pending bytes and empties the file (a 200 answer to a Range request restarts from 0); batches already written have reached `written`. */
  async reset(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    this.pending = [];
    this.pendingBytes = 0;
    this.position = 0;
    this.inFlight = Promise.resolve();
    await this.handle.truncate(0);
  }

  private async issue(): Promise<void> {
    await this.inFlight;
    if (this.pendingBytes === 0) return;
    const buffers = this.pending;
    const bytes = this.pendingBytes;
    const at = this.position;
    this.pending = [];
    this.pendingBytes = 0;
    this.position += bytes;
    this.inFlight = this.handle.writev(buffers, at).then(({ bytesWritten }) => {
      if (bytesWritten !== bytes) throw Object.assign(new Error(`short write (${bytesWritten} of ${bytes} bytes)`), { code: 'EIO' });
      return this.written(buffers);
    });
    // Observed by the next issue()/flush(); this only keeps an unobserved failure from being reported as unhandled.
    this.inFlight.catch(() => undefined);
  }
}
