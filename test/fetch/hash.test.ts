import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-root.js';
import { terminateHashWorkers } from '../../src/fetch/hash-pool.js';
import { BlobHasher, hashFilePrefix } from '../../src/fetch/hash.js';
import { gitBlobSha1, type Hub } from '../hub/index.js';
import { bytes, cleanup, demoRepo, FILES, fetchError, opts, sha256, tempDir, withHub } from './helpers.js';

/** Splits `data` into chunks of the given sizes (cycled), each in its own memory or a view into shared memory. */
function chunksOf(data: Buffer, sizes: number[], shareMemory: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length] as number, data.length - at);
    const view = data.subarray(at, at + n);
    out.push(shareMemory ? view : new Uint8Array(view));
    at += n;
  }
  return out;
}

describe('#BlobHasher', () => {
  const data = bytes(7, 3 * 1024 * 1024 + 12_345);

  it.each([
    ['64 KiB chunks in their own memory', [65_536], false],
    ['odd chunk sizes that are views into one buffer', [1, 4093, 700_001, 17], true],
    ['one chunk larger than a batch', [data.length], false],
  ] as const)('hashes %s like node:crypto, sha256 and git blob sha1', async (_name, sizes, share) => {
    const hasher = new BlobHasher(true, data.length);
    for (const chunk of chunksOf(Buffer.from(data), [...sizes], share)) await hasher.update(chunk);
    const digests = await hasher.digest();
    expect(digests).toEqual({ sha256: sha256(data), gitSha1: gitBlobSha1(data), bytes: data.length });
  });

  it('takes batches of buffers and starts over on reset()', async () => {
    const hasher = new BlobHasher(false, data.length);
    await hasher.update(chunksOf(Buffer.from(bytes(8, 2_000_000)), [300_000], false));
    hasher.reset();
    await hasher.update(chunksOf(Buffer.from(data), [1_000_000], false));
    expect(await hasher.digest()).toEqual({ sha256: sha256(data), gitSha1: undefined, bytes: data.length });
  });

  it('hashes an empty blob', async () => {
    expect(await new BlobHasher(true, 0).digest()).toEqual({ sha256: sha256(Buffer.alloc(0)), gitSha1: gitBlobSha1(Buffer.alloc(0)), bytes: 0 });
  });

  it('hashes a file prefix in one read pass', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'blob');
      await writeFile(path, data);
      const hasher = new BlobHasher(false, data.length);
      expect(await hashFilePrefix(path, hasher, 2_500_000)).toBe(2_500_000);
      expect((await hasher.digest()).sha256).toBe(sha256(data.subarray(0, 2_500_000)));
    } finally {
      await cleanup(dir);
    }
  });

  it('fails INTEGRITY, never a digest, when its worker dies', async () => {
    const hasher = new BlobHasher(false, data.length, 'weights.bin');
    await hasher.update(new Uint8Array(data.subarray(0, 1000)));
    await terminateHashWorkers();
    await expect(hasher.digest()).rejects.toMatchObject({ code: 'INTEGRITY', file: 'weights.bin', message: expect.stringMatching(/hash worker failed/) });
    // The pool starts a fresh worker for the next job.
    const next = new BlobHasher(false, 3);
    await next.update(new Uint8Array([1, 2, 3]));
    expect((await next.digest()).sha256).toBe(sha256(Buffer.from([1, 2, 3])));
  });

  it('lets the process exit on its own, and keeps it alive while a digest is awaited', () => {
    const script = [
      `import { BlobHasher } from ${JSON.stringify(join(packageRoot(), 'src/fetch/hash.ts'))};`,
      'const warm = new BlobHasher(false, 1);',
      'await warm.update(new Uint8Array([1]));',
      'await warm.digest();',
      // Nothing but the worker's replies is pending here: an unref'd worker would let the process exit (code 13).
      'const hasher = new BlobHasher(false, 64 << 20);',
      'for (let i = 0; i < 16; i++) await hasher.update(new Uint8Array(4 << 20));',
      'hasher.digest().then((d) => console.log(d.sha256));',
    ].join('\n');
    const tsx = join(packageRoot(), 'node_modules', '.bin', 'tsx');
    const r = spawnSync(tsx, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(sha256(Buffer.alloc(64 << 20)));
  });
});

describe('#fetchSnapshot when a hash worker dies mid-download', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await withHub();
    hub.addRepo(demoRepo());
  });
  afterAll(() => hub.close());

  it('fails INTEGRITY and leaves neither the blob nor a partial file', async () => {
    const cache = await tempDir();
    const W = sha256(FILES.weights);
    const blobs = () => readdir(join(cache, 'models--acme--demo', 'blobs')).catch(() => [] as string[]);
    try {
      // The stall holds the download open (well inside the client's stall timeout) while the workers are killed,
      // so the outcome does not depend on how fast this machine is.
      hub.fault({ kind: 'stall', path: 'model.safetensors', afterBytes: 50_000, ms: 4000 });
      const pending = fetchError(opts(hub, cache, { timeouts: { connectMs: 2000, stallMs: 10_000 } }));
      while (!(await blobs()).includes(`${W}.incomplete`)) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      await terminateHashWorkers();
      const e = await pending;
      expect(e.code).toBe('INTEGRITY');
      expect(e.message).toMatch(/hash worker failed/);
      expect(await blobs()).not.toContain(W);
      // The file whose hasher died loses its partial; a sibling download aborted by that failure may keep
      // its partial for a later resume, but only as a true prefix of the real bytes.
      for (const partial of (await blobs()).filter((b) => b.endsWith('.incomplete'))) {
        const bytes = await readFile(join(cache, 'models--acme--demo', 'blobs', partial));
        const source = Object.values(FILES).find((content) => sha256(content) === partial.replace(/\.incomplete$/, '') || gitBlobSha1(content) === partial.replace(/\.incomplete$/, ''));
        expect(source, partial).toBeDefined();
        expect(Buffer.compare(bytes, source!.subarray(0, bytes.length)), partial).toBe(0);
      }
    } finally {
      hub.clearFaults();
      await cleanup(cache);
    }
  });
});
