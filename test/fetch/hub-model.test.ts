import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FetchError } from '../../src/fetch/errors.js';
import { hubStatusError } from '../../src/fetch/hub-errors.js';
import { acquireLock, isStale } from '../../src/fetch/lock.js';
import { runPool } from '../../src/fetch/pool.js';
import { compareCodePoints, pyString, readTreeCache, serializeTreeCache } from '../../src/fetch/tree-cache.js';
import { expectedEtag, parseTreeEntry } from '../../src/fetch/tree.js';
import { cleanup, tempDir } from './helpers.js';

const ctx = { repo: 'o/n', revision: 'main', tokenSent: false };
const sha1 = 'a'.repeat(40);
const sha256 = 'b'.repeat(64);

describe('parseTreeEntry', () => {
  it('reads regular and LFS files and directories', () => {
    expect(parseTreeEntry({ type: 'file', path: 'x', size: 3, oid: sha1 })).toEqual({ type: 'file', path: 'x', file: { path: 'x', size: 3, oid: sha1 } });
    const lfs = parseTreeEntry({ type: 'file', path: 'w', size: 9, oid: sha1, lfs: { oid: sha256, size: 9, pointerSize: 130 } });
    expect(lfs.file && expectedEtag(lfs.file)).toBe(sha256);
    expect(parseTreeEntry({ type: 'directory', path: 'd', oid: sha1, size: 0 })).toEqual({ type: 'directory', path: 'd' });
  });

  it('turns any malformed entry into PROTOCOL, never another exception', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        try {
          parseTreeEntry(raw);
          return true;
        } catch (error) {
          return error instanceof FetchError && error.code === 'PROTOCOL';
        }
      }),
    );
    const bad = [
      { type: 'file', path: 'x', size: -1, oid: sha1 },
      { type: 'file', path: 'x', size: 1.5, oid: sha1 },
      { type: 'file', path: 'x', size: 1, oid: 'zz' },
      { type: 'file', path: 'x', size: 1, oid: sha1, lfs: { oid: sha1, size: 1 } },
      { type: 'file', path: 'x', size: 1, oid: sha1, lfs: { oid: sha256, size: 2 } },
      { type: 'submodule', path: 'x' },
      { type: 'file', path: 7, size: 1, oid: sha1 },
    ];
    for (const b of bad) expect(() => parseTreeEntry(b)).toThrow(FetchError);
  });
});

describe('tree cache', () => {
  it("serializes like Python's json.dump(indent=1) with sorted keys and ASCII escapes", () => {
    const text = serializeTreeCache([
      { path: 'z.bin', size: 9, oid: sha1, lfs: { sha256, size: 9, pointerSize: 1 } },
      { path: 'caf\u00e9/"q".json', size: 2, oid: sha1 },
      { path: '10', size: 0, oid: sha1 },
    ]);
    expect(text).toBe(
      `{\n "format_version": 1,\n "files": {\n  "10": {\n   "size": 0,\n   "blob_id": "${sha1}"\n  },\n  "caf\\u00e9/\\"q\\".json": {\n   "size": 2,\n   "blob_id": "${sha1}"\n  },\n  "z.bin": {\n   "size": 9,\n   "blob_id": "${sha1}",\n   "lfs_sha256": "${sha256}",\n   "lfs_size": 9\n  }\n }\n}`,
    );
    expect(serializeTreeCache([])).toBe('{\n "format_version": 1,\n "files": {}\n}');
  });

  it('pyString is valid JSON for any string and decodes back', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => JSON.parse(pyString(s)) === s && /^[\x20-\x7e]*$/.test(pyString(s))));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => Math.sign(compareCodePoints(a, b)) === -Math.sign(compareCodePoints(b, a))));
  });

  it('reads back what it writes', async () => {
    const dir = await tempDir();
    try {
      const files = [{ path: 'a/b', size: 4, oid: sha1 }, { path: 'w', size: 9, oid: sha1, lfs: { sha256, size: 9, pointerSize: undefined } }];
      await writeFile(join(dir, 't.json'), serializeTreeCache(files));
      expect(await readTreeCache(join(dir, 't.json'))).toEqual(files);
      await writeFile(join(dir, 'v2.json'), '{"format_version": 2, "files": {}}');
      expect(await readTreeCache(join(dir, 'v2.json'))).toBeUndefined();
      await writeFile(join(dir, 'bad.json'), '{"format_version": 1, "files": {"x": {"size": "1"}}}');
      await expect(readTreeCache(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'CACHE_CORRUPT' });
    } finally {
      await cleanup(dir);
    }
  });
});

describe('hubStatusError', () => {
  const h = (code?: string, message?: string) => ({ ...(code ? { 'x-error-code': code } : {}), ...(message ? { 'x-error-message': message } : {}) });
  it('maps X-Error-Code and status to the stable codes', () => {
    expect(hubStatusError(403, h('GatedRepo'), ctx).code).toBe('GATED');
    expect(hubStatusError(401, h('GatedRepo'), ctx).code).toBe('GATED');
    expect(hubStatusError(401, h('RepoNotFound'), ctx).code).toBe('AUTH_REQUIRED');
    expect(hubStatusError(404, h('RepoNotFound'), ctx).code).toBe('REPO_NOT_FOUND');
    expect(hubStatusError(404, h('RevisionNotFound'), ctx).code).toBe('REVISION_NOT_FOUND');
    expect(hubStatusError(404, h('EntryNotFound'), { ...ctx, file: 'f' })).toMatchObject({ code: 'ENTRY_NOT_FOUND', file: 'f' });
    expect(hubStatusError(404, {}, { ...ctx, file: 'f' }).code).toBe('ENTRY_NOT_FOUND');
    expect(hubStatusError(403, {}, ctx).code).toBe('AUTH_REQUIRED');
    expect(hubStatusError(500, {}, ctx).code).toBe('HTTP');
    expect(hubStatusError(418, {}, ctx).code).toBe('HTTP');
  });

  it('keeps any server message to one bounded line', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), fc.string({ maxLength: 2000 }), (status, message) => {
        const e = hubStatusError(status, h(undefined, message), ctx);
        return !/[\r\n]/.test(e.message) && e.message.length < 600;
      }),
    );
  });
});

describe('acquireLock', () => {
  it('is exclusive, waits for the holder, and leaves no lock file behind', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'x.lock');
      const release = await acquireLock(path, { staleMs: 60_000, waitMs: 60_000 });
      const order: string[] = [];
      const second = acquireLock(path, { staleMs: 60_000, waitMs: 60_000 }).then((r) => {
        order.push('second');
        return r;
      });
      await new Promise((r) => setImmediate(r));
      order.push('first-release');
      await release();
      await (await second)();
      expect(order).toEqual(['first-release', 'second']);
      await expect(stat(path)).rejects.toThrow();
    } finally {
      await cleanup(dir);
    }
  });

  it('fails LOCKED when a live holder outlasts the wait, and breaks stale or foreign locks', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'x.lock');
      const release = await acquireLock(path, { staleMs: 60_000, waitMs: 60_000 });
      await expect(acquireLock(path, { staleMs: 60_000, waitMs: 0 })).rejects.toMatchObject({ code: 'LOCKED' });
      await release();
      // huggingface_hub's filelock leaves an empty file; a dead pid on this host; an old heartbeat.
      await writeFile(path, '');
      await (await acquireLock(path, { staleMs: 60_000, waitMs: 0 }))();
      await writeFile(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), nonce: 'x' }));
      await (await acquireLock(path, { staleMs: 60_000, waitMs: 0 }))();
      await mkdir(join(dir, 'sub'));
      await writeFile(path, JSON.stringify({ pid: process.pid, host: 'elsewhere', nonce: 'y' }));
      const old = new Date(Date.now() - 120_000);
      await utimes(path, old, old);
      await (await acquireLock(path, { staleMs: 60_000, waitMs: 0 }))();
      expect(await readFile(path, 'utf8').catch(() => 'gone')).toBe('gone');
    } finally {
      await cleanup(dir);
    }
  });

  it('judges staleness from heartbeat age and holder liveness', () => {
    const now = 1_000_000;
    const holder = { pid: 7, host: 'h', nonce: 'n' };
    expect(isStale({ body: 'x', holder, mtimeMs: now - 10 }, 100, now, 'h', () => true)).toBe(false);
    expect(isStale({ body: 'x', holder, mtimeMs: now - 10 }, 100, now, 'h', () => false)).toBe(true);
    expect(isStale({ body: 'x', holder, mtimeMs: now - 10 }, 100, now, 'other', () => false)).toBe(false);
    expect(isStale({ body: 'x', holder, mtimeMs: now - 1000 }, 100, now, 'other', () => true)).toBe(true);
  });
});

describe('runPool', () => {
  it('never runs more than the limit at once and rethrows the first failure after all settle', async () => {
    let running = 0;
    let peak = 0;
    const settled: number[] = [];
    const controller = new AbortController();
    const work = async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      settled.push(n);
      if (n === 3) throw new Error('three');
      return n * 2;
    };
    await expect(runPool([1, 2, 3, 4, 5, 6, 7], 2, controller, work)).rejects.toThrow('three');
    expect(peak).toBeLessThanOrEqual(2);
    expect(running).toBe(0);
    expect(controller.signal.aborted).toBe(true);
    expect(await runPool([1, 2, 3], 8, new AbortController(), async (n) => n + 1)).toEqual([2, 3, 4]);
  });
});

describe('fsError', () => {
  it('maps ENOSPC and EDQUOT to DISK_FULL and other failures to CACHE_CORRUPT', async () => {
    const { fsError } = await import('../../src/fetch/fs-safe.js');
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(fsError(errno('ENOSPC'), 'write x', 'x')).toMatchObject({ code: 'DISK_FULL', file: 'x' });
    expect(fsError(errno('EDQUOT'), 'write x').code).toBe('DISK_FULL');
    expect(fsError(errno('EACCES'), 'write x').code).toBe('CACHE_CORRUPT');
    const coded = new FetchError('LOCKED', 'held');
    expect(fsError(coded, 'anything')).toBe(coded);
  });
});
