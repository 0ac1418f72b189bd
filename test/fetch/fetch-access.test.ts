import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchSnapshot } from '../../src/fetch/index.js';
import type { Hub } from '../hub/index.js';
import { cleanup, demoRepo, fetchError, listTreeOnDisk, opts, tempDir, withHub } from './helpers.js';

let hub: Hub;

beforeAll(async () => {
  hub = await withHub();
  hub.addRepo(demoRepo());
  hub.addRepo(demoRepo('acme/gated', { gated: true }));
  hub.addRepo(demoRepo('acme/private', { private: true }));
});
afterEach(() => hub.clearFaults());
afterAll(() => hub.close());

/** Everything a failed or successful fetch can show a user: message, stack, cause chain. */
function allText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) parts.push(e instanceof Error ? `${e.message}\n${e.stack}` : String(e));
  return parts.join('\n');
}

describe('#fetchSnapshot access control', () => {
  describe('when the repo is gated', () => {
    it('fails without a token, GATED with a wrong one, succeeds with the right one', async () => {
      const cache = await tempDir();
      try {
        const none = await fetchError(opts(hub, cache, { repo: 'acme/gated' }));
        expect(none.code).toBe('GATED');
        expect(none.message).toMatch(/gated: accept its terms on the hub and pass a token \(HF_TOKEN or --token-file\)/);
        const wrong = await fetchError(opts(hub, cache, { repo: 'acme/gated', token: 'hf_wrongwrongwrong' }));
        expect(wrong.code).toBe('GATED');
        expect(allText(wrong.error)).not.toContain('hf_wrongwrongwrong');
        const snap = await fetchSnapshot(opts(hub, cache, { repo: 'acme/gated', token: hub.token }));
        expect(snap.files).toHaveLength(5);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the repo is private', () => {
    it('says authentication is needed, and fetches with the token from HF_TOKEN or a token file', async () => {
      const cache = await tempDir();
      try {
        const none = await fetchError(opts(hub, cache, { repo: 'acme/private' }));
        expect(none.code).toBe('AUTH_REQUIRED');
        expect(none.message).toMatch(/needs authentication/);
        const env = await fetchSnapshot(opts(hub, cache, { repo: 'acme/private', token: undefined, env: { HF_TOKEN: hub.token, MODELSCAN_RETRY_BASE_MS: '1' } }));
        expect(env.files).toHaveLength(5);
        const file = join(cache, 'token');
        await writeFile(file, `${hub.token}\n`);
        const fromFile = await fetchSnapshot(opts(hub, join(cache, 'other'), { repo: 'acme/private', token: undefined, tokenFile: file }));
        expect(fromFile.commit).toBe(env.commit);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when names or revisions do not exist', () => {
    it('maps RepoNotFound and RevisionNotFound to their codes, and rejects bad ids before any request', async () => {
      const cache = await tempDir();
      try {
        expect((await fetchError(opts(hub, cache, { repo: 'acme/missing', token: hub.token }))).code).toBe('REPO_NOT_FOUND');
        expect((await fetchError(opts(hub, cache, { revision: 'nope' }))).code).toBe('REVISION_NOT_FOUND');
        expect((await fetchError(opts(hub, cache, { repo: 'bad--id' }))).code).toBe('INVALID_REPO_ID');
        expect((await fetchError(opts(hub, cache, { revision: '../main' }))).code).toBe('INVALID_REPO_ID');
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the token is known', () => {
    it('never shows it in an error or the progress output', async () => {
      const cache = await tempDir();
      const out = new PassThrough();
      let drawn = '';
      out.on('data', (d: Buffer) => (drawn += d.toString()));
      Object.assign(out, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
      try {
        const snap = await fetchSnapshot(opts(hub, cache, { repo: 'acme/gated', token: hub.token, progress: true, progressStream: out }));
        expect(snap.files).toHaveLength(5);
        expect(drawn).toMatch(/100%/);
        expect(drawn).not.toContain(hub.token);
        const failures = [
          await fetchError(opts(hub, cache, { repo: 'acme/missing', token: hub.token })),
          await fetchError(opts(hub, cache, { repo: 'acme/gated', revision: 'nope', token: hub.token })),
          await fetchError(opts(hub, cache, { repo: 'acme/gated', token: hub.token, endpoint: 'http://127.0.0.1:1' , retries: 0 })),
        ];
        for (const f of failures) {
          expect(f.message.split('\n')).toHaveLength(1);
          expect(allText(f.error)).not.toContain(hub.token);
        }
        expect(failures[2]?.code).toBe('NETWORK');
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the cache holds a symlink on the way to a snapshot file', () => {
    it('fails UNSAFE_PATH and writes nothing through it', async () => {
      const cache = await tempDir();
      const outside = await tempDir('modelscan-outside-');
      try {
        const snap = await fetchSnapshot(opts(hub, cache, { revision: 'v1.0' }));
        const main = demoRepo().refs.main as string;
        const dir = join(snap.repoDir, 'snapshots', main);
        await mkdir(dir, { recursive: true });
        await symlink(outside, join(dir, 'tokenizer'));
        const e = await fetchError(opts(hub, cache));
        expect(e).toMatchObject({ code: 'UNSAFE_PATH' });
        expect(await listTreeOnDisk(outside)).toEqual([]);
      } finally {
        await cleanup(cache, outside);
      }
    });
  });

  describe('when two runs fetch into one cache at once', () => {
    it('both succeed with one intact copy of each blob', async () => {
      const cache = await tempDir();
      try {
        hub.fault({ kind: 'stall', path: 'model.safetensors', afterBytes: 10_000, ms: 50 });
        const [a, b] = await Promise.all([fetchSnapshot(opts(hub, cache)), fetchSnapshot(opts(hub, cache))]);
        expect(a.commit).toBe(b.commit);
        const blobs = await listTreeOnDisk(a.blobsDir);
        expect(blobs).toHaveLength(5);
        for (const f of a.files) expect((await readFile(f.snapshotPath)).length).toBe(f.size);
        expect(await listTreeOnDisk(join(cache, '.locks', 'models--acme--demo'))).toEqual([]);
        const downloaded = [...a.files, ...b.files].filter((f) => f.downloaded).map((f) => f.path).sort();
        expect(downloaded).toEqual(a.files.map((f) => f.path).sort());
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when offline', () => {
    it('serves a cached revision with no HTTP and misses an uncached one', async () => {
      const cache = await tempDir();
      try {
        await fetchSnapshot(opts(hub, cache, { revision: 'v1.0' }));
        const n = hub.requests.length;
        const hit = await fetchSnapshot(opts(hub, cache, { revision: 'v1.0', offline: true }));
        expect(hit.files.map((f) => f.path).sort()).toEqual(['README.md', 'config.json', 'model.safetensors', 'sub/dir/weights.bin']);
        const viaEnv = await fetchSnapshot(opts(hub, cache, { revision: 'v1.0', env: { HF_HUB_OFFLINE: 'yes' } }));
        expect(viaEnv.commit).toBe(hit.commit);
        expect((await fetchError(opts(hub, cache, { offline: true }))).code).toBe('OFFLINE_MISS');
        expect((await fetchError(opts(hub, cache, { repo: 'acme/other', offline: true }))).code).toBe('OFFLINE_MISS');
        expect(hub.requests.length).toBe(n);
      } finally {
        await cleanup(cache);
      }
    });
  });
});
