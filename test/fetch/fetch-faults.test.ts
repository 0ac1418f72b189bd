import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchSnapshot } from '../../src/fetch/index.js';
import { gitBlobSha1, type Hub } from '../hub/index.js';
import { cleanup, demoRepo, FILES, fetchError, listTreeOnDisk, opts, sha256, tempDir, withHub } from './helpers.js';

let hub: Hub;
const W = sha256(FILES.weights);

beforeAll(async () => {
  hub = await withHub();
  hub.addRepo(demoRepo());
});
afterEach(() => hub.clearFaults());
afterAll(() => hub.close());

async function blobsOf(cache: string): Promise<string[]> {
  return readdir(join(cache, 'models--acme--demo', 'blobs')).catch(() => []);
}

function requestsSince(n: number) {
  return hub.requests.slice(n);
}

describe('#fetchSnapshot against a faulty hub', () => {
  describe('when the connection drops mid-body', () => {
    it('resumes with a Range request and verifies the whole file', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'drop-mid-body', path: 'model.safetensors', afterBytes: 100_000 });
        const n = hub.requests.length;
        const snap = await fetchSnapshot(opts(hub, cache));
        const cdn = requestsSince(n).filter((r) => r.origin === 'cdn');
        expect(cdn.length).toBe(3);
        const ranged = cdn.filter((r) => r.headers.range !== undefined);
        expect(ranged).toHaveLength(1);
        expect(Number(/^bytes=(\d+)-$/.exec(String(ranged[0]?.headers.range))?.[1])).toBeGreaterThanOrEqual(100_000);
        expect(await readFile(join(snap.snapshotDir, 'model.safetensors'))).toEqual(FILES.weights);
      } finally {
        await cleanup(cache);
      }
    });

    it('restarts from 0 when the server ignores the Range', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'drop-mid-body', path: 'model.safetensors', afterBytes: 100_000 });
        hub.fault({ kind: 'range-ignored', path: 'model.safetensors' });
        const snap = await fetchSnapshot(opts(hub, cache));
        expect(await readFile(join(snap.snapshotDir, 'model.safetensors'))).toEqual(FILES.weights);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the hub answers 500 or 429', () => {
    it('retries the API, resolve and CDN requests and succeeds', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'status', status: 500, times: 2, on: 'api' });
        hub.fault({ kind: 'status', status: 429, times: 1, on: 'resolve', path: 'config.json', retryAfter: 0 });
        hub.fault({ kind: 'status', status: 503, times: 1, on: 'cdn', path: 'model.safetensors' });
        const snap = await fetchSnapshot(opts(hub, cache));
        expect(snap.files).toHaveLength(5);
      } finally {
        await cleanup(cache);
      }
    });

    it('fails HTTP once retries are spent', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'status', status: 502, times: 100, on: 'api' });
        const e = await fetchError(opts(hub, cache, { retries: 2 }));
        expect(e.code).toBe('HTTP');
        expect(e.message).toMatch(/502/);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the body stalls', () => {
    it('times out the stalled request and resumes', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'stall', path: 'model.safetensors', afterBytes: 50_000, ms: 60_000 });
        const n = hub.requests.length;
        const snap = await fetchSnapshot(opts(hub, cache, { timeouts: { stallMs: 200 } }));
        expect(await readFile(join(snap.snapshotDir, 'model.safetensors'))).toEqual(FILES.weights);
        expect(requestsSince(n).filter((r) => r.origin === 'cdn').at(-1)?.headers.range).toMatch(/^bytes=\d+-$/);
      } finally {
        await cleanup(cache);
      }
    });

    it('fails TIMEOUT when it keeps stalling, keeping the partial file for the next run', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'stall', path: 'model.safetensors', afterBytes: 50_000, ms: 60_000 });
        const e = await fetchError(opts(hub, cache, { timeouts: { stallMs: 100 }, retries: 0 }));
        expect(e.code).toBe('TIMEOUT');
        expect(await blobsOf(cache)).toContain(`${W}.incomplete`);
        hub.clearFaults();
        const n = hub.requests.length;
        const snap = await fetchSnapshot(opts(hub, cache));
        expect(requestsSince(n).find((r) => r.origin === 'cdn')?.headers.range).toBe('bytes=50000-');
        expect(await readFile(join(snap.snapshotDir, 'model.safetensors'))).toEqual(FILES.weights);
        expect(await blobsOf(cache)).not.toContain(`${W}.incomplete`);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the caller aborts mid-download', () => {
    it('fails NETWORK (aborted) and keeps the partial file for a later resume', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'stall', path: 'model.safetensors', afterBytes: 50_000, ms: 60_000 });
        const controller = new AbortController();
        const pending = fetchError(opts(hub, cache, { signal: controller.signal, timeouts: { stallMs: 60_000 } }));
        while (!(await blobsOf(cache)).includes(`${W}.incomplete`)) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 50));
        controller.abort();
        const e = await pending;
        expect(e.code).toBe('NETWORK');
        expect(e.message).toMatch(/aborted/);
        expect(await blobsOf(cache)).toContain(`${W}.incomplete`);
        expect(await blobsOf(cache)).not.toContain(W);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe.each([
    ['wrong-bytes', { kind: 'wrong-bytes', path: 'model.safetensors' }, W],
    ['wrong-sha', { kind: 'wrong-sha', path: 'model.safetensors' }, W],
    ['truncate', { kind: 'truncate', path: 'model.safetensors', bytes: 1000 }, W],
    ['wrong-bytes on a regular file', { kind: 'wrong-bytes', path: 'config.json' }, gitBlobSha1(FILES.config)],
  ] as const)('when the hub serves %s', (_name, fault, etag) => {
    it('fails INTEGRITY and leaves neither the blob nor a partial file', async () => {
      const cache = await tempDir();
      try {
        hub.fault(fault);
        const e = await fetchError(opts(hub, cache, { retries: 1 }));
        expect(e.code).toBe('INTEGRITY');
        expect(e.file).toBe(fault.path);
        expect(e.message).toContain(fault.path);
        const blobs = await blobsOf(cache);
        expect(blobs.filter((b) => b.endsWith('.incomplete'))).toEqual([]);
        expect(blobs).not.toContain(etag);
        await expect(readdir(join(cache, 'models--acme--demo', 'refs'))).rejects.toThrow();
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the tree lists a hostile name', () => {
    it.each(['../escape', '/etc/x', 'a/../../b', 'sub\\..\\x', 'CONFIG.JSON', '.git/config', 'model.safetensors/inner', 'ok/\u0000x', 'C:/win'])(
      'rejects %j with UNSAFE_PATH before writing anything',
      async (name) => {
        const cache = await tempDir();
        try {
          hub.fault({ kind: 'extra-tree-entry', path: name, content: Buffer.from('pwned') });
          const n = hub.requests.length;
          const e = await fetchError(opts(hub, cache));
          expect(e.code).toBe('UNSAFE_PATH');
          expect(requestsSince(n).some((r) => r.url.includes('/resolve/'))).toBe(false);
          expect(await listTreeOnDisk(cache)).toEqual([]);
        } finally {
          await cleanup(cache);
        }
      },
    );
  });

  describe('when the hub redirects to a foreign origin', () => {
    it('never sends the Authorization header there', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'redirect-foreign', path: 'model.safetensors' });
        hub.fault({ kind: 'redirect-foreign', path: 'config.json' });
        const n = hub.requests.length;
        await fetchSnapshot(opts(hub, cache, { token: hub.token }));
        const seen = requestsSince(n);
        expect(seen.some((r) => r.origin === 'foreign')).toBe(true);
        expect(hub.foreignAuthorizations()).toEqual([]);
        expect(seen.filter((r) => r.origin === 'cdn').every((r) => r.headers.authorization === undefined)).toBe(true);
        expect(seen.filter((r) => r.origin === 'hub').every((r) => r.headers.authorization === `Bearer ${hub.token}`)).toBe(true);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the resolve answer has no X-Repo-Commit', () => {
    it('fails PROTOCOL', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'no-repo-commit-header', path: 'config.json' });
        const e = await fetchError(opts(hub, cache));
        expect(e).toMatchObject({ code: 'PROTOCOL', file: 'config.json' });
        expect(e.message).toMatch(/X-Repo-Commit/);
      } finally {
        await cleanup(cache);
      }
    });
  });
});
