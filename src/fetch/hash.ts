import { open } from 'node:fs/promises';
import { FetchError } from './errors.js';
import { type HashWorker, openHashJob } from './hash-pool.js';
import type { HashReply } from './hash-worker.js';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const SHA1_HEX = /^[0-9a-f]{40}$/;

export interface Digests {
  sha256: string;
  /** Git blob sha1 (`sha1("blob <size>\0" + bytes)`), computed for regular (non-LFS) files only. */
  gitSha1: string | undefined;
  /** How many bytes were hashed. */
  bytes: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

const READ_BYTES = 1024 * 1024;
/** Bytes per message to the worker, and how many messages may wait there (backpressure: memory stays flat). */
const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT = 4;

/**
 * Hashes a blob in one pass while it streams. Regular files get the git blob sha1 the hub uses as
 * their ETag (it needs the final size up front, which the tree listing gives) and a sha256 for the report.
 *
 * The hashing runs on a worker thread (hash-pool.ts). update() takes ownership of its chunks: they
 * are batched and their memory is transferred to the worker, not copied (a chunk that does not own
 * its whole ArrayBuffer is copied first). It waits while MAX_IN_FLIGHT batches are still being
 * hashed. A worker that dies fails the hasher with an INTEGRITY error. Call dispose() when giving
 * up before digest().
 */
export class BlobHasher {
  private readonly worker: HashWorker;
  private readonly id: number;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private inFlight = 0;
  private room: Waiter<void> | undefined;
  private result: Waiter<Digests> | undefined;
  private failure: FetchError | undefined;
  private closed = false;

  constructor(
    gitBlob: boolean,
    size: number,
    private readonly name?: string,
  ) {
    ({ worker: this.worker, id: this.id } = openHashJob({ reply: (m) => this.reply(m), fail: (e) => this.fail(e) }));
    this.worker.post({ op: 'open', id: this.id, gitBlob, size }, false);
  }

  /** Hashes `chunks` after the bytes before them. The caller must not touch them afterwards. */
  async update(chunks: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.check();
    for (const chunk of chunks instanceof Uint8Array ? [chunks] : chunks) {
      if (chunk.length === 0) continue;
      this.batch.push(ownsItsMemory(chunk) ? chunk : new Uint8Array(chunk));
      this.batchBytes += chunk.length;
    }
    if (this.batchBytes >= BATCH_BYTES) await this.send();
  }

  /** Starts over (a server ignored the Range: the bytes handed so far are discarded). */
  reset(): void {
    this.check();
    this.batch = [];
    this.batchBytes = 0;
    this.worker.post({ op: 'reset', id: this.id }, false);
  }

  /** The digests of every byte handed to update(); once only. */
  async digest(): Promise<Digests> {
    this.check();
    try {
      await this.send();
      const result = new Promise<Digests>((resolve, reject) => (this.result = { resolve, reject }));
      this.worker.post({ op: 'digest', id: this.id }, true);
      return await result;
    } finally {
      this.closed = true;
      this.worker.detach(this.id);
    }
  }

  /** Releases the worker's job without a digest (a failed download); harmless after digest(). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.failure === undefined) this.worker.post({ op: 'close', id: this.id }, false);
    this.worker.detach(this.id);
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error('BlobHasher used after digest() or dispose()');
  }

  private async send(): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT) {
      await new Promise<void>((resolve, reject) => (this.room = { resolve, reject }));
    }
    this.check();
    if (this.batchBytes === 0) return;
    const chunks = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.worker.post({ op: 'update', id: this.id, chunks }, true, chunks.map((c) => c.buffer as ArrayBuffer));
    this.inFlight++;
  }

  private reply(message: HashReply): void {
    if (message.op === 'done') {
      this.inFlight--;
      const room = this.room;
      this.room = undefined;
      room?.resolve();
    } else {
      this.result?.resolve({ sha256: message.sha256, gitSha1: message.gitSha1, bytes: message.bytes });
    }
  }

  private fail(error: Error): void {
    const where = this.name !== undefined ? `${this.name}: ` : '';
    this.failure = new FetchError('INTEGRITY', `${where}cannot verify: hash worker failed (${error.message})`, { ...(this.name !== undefined ? { file: this.name } : {}), cause: error });
    this.room?.reject(this.failure);
    this.result?.reject(this.failure);
    this.room = this.result = undefined;
  }
}

/** A chunk can be transferred only when nothing else can see its memory: it spans a whole, unshared ArrayBuffer. */
function ownsItsMemory(chunk: Uint8Array): boolean {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
}

/** Feeds the first `length` bytes of a file (or all of it) through a hasher: one sequential read. */
export async function hashFilePrefix(path: string, hasher: BlobHasher, length?: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    let position = 0;
    for (;;) {
      const want = length === undefined ? READ_BYTES : Math.min(READ_BYTES, length - position);
      if (want <= 0) break;
      // A fresh buffer per read: the hasher takes it over.
      const buffer = Buffer.allocUnsafeSlow(want);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      await hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return position;
  } finally {
    await handle.close();
  }
}

/** Whether `digests` match a blob named by `etag` (sha256 for LFS, git sha1 for regular files). */
export function digestMatchesEtag(etag: string, digests: Digests): boolean {
  return SHA256_HEX.test(etag) ? digests.sha256 === etag : digests.gitSha1 === etag;
}
