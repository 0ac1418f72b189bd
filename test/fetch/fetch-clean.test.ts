import { readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSnapshot } from '../../src/fetch/index.js';
import { gitBlobSha1, type Hub } from '../hub/index.js';
import { cleanup, demoRepo, FILES, listTreeOnDisk, opts, sha256, tempDir, withHub } from './helpers.js';

let hub: Hub;
const repo = demoRepo();
const MAIN = repo.refs.main as string;

beforeAll(async () => {
  hub = await withHub({ pageSize: 2 });
  hub.addRepo(repo);
});
afterAll(() => hub.close());

describe('#fetchSnapshot', () => {
  describe('when the cache is empty', () => {
    it('writes the huggingface_hub layout exactly and verifies every file', async () => {
      const cache = await tempDir();
      try {
        const snap = await fetchSnapshot(opts(hub, cache));
        expect(snap.commit).toBe(MAIN);
        const repoDir = join(cache, 'models--acme--demo');
        expect(snap.repoDir).toBe(repoDir);
        expect(snap.snapshotDir).toBe(join(repoDir, 'snapshots', MAIN));
        const w = sha256(FILES.weights);
        const n = sha256(FILES.nested);
        const c = gitBlobSha1(FILES.config);
        const r = gitBlobSha1(FILES.readme);
        const v = gitBlobSha1(FILES.vocab);
        expect(await listTreeOnDisk(cache)).toEqual(
          [
            '.locks/',
            '.locks/models--acme--demo/',
            'CACHEDIR.TAG',
            'models--acme--demo/',
            'models--acme--demo/blobs/',
            ...[w, n, c, r, v].sort().map((e) => `models--acme--demo/blobs/${e}`),
            'models--acme--demo/refs/',
            'models--acme--demo/refs/main',
            'models--acme--demo/snapshots/',
            `models--acme--demo/snapshots/${MAIN}/`,
            `models--acme--demo/snapshots/${MAIN}/README.md@`,
            `models--acme--demo/snapshots/${MAIN}/config.json@`,
            `models--acme--demo/snapshots/${MAIN}/model.safetensors@`,
            `models--acme--demo/snapshots/${MAIN}/sub/`,
            `models--acme--demo/snapshots/${MAIN}/sub/dir/`,
            `models--acme--demo/snapshots/${MAIN}/sub/dir/weights.bin@`,
            `models--acme--demo/snapshots/${MAIN}/tokenizer/`,
            `models--acme--demo/snapshots/${MAIN}/tokenizer/vocab.json@`,
            'models--acme--demo/trees/',
            `models--acme--demo/trees/${MAIN}.json`,
          ].sort(),
        );
        expect(await readFile(join(repoDir, 'refs', 'main'), 'utf8')).toBe(MAIN);
        const snapDir = snap.snapshotDir;
        expect(await readlink(join(snapDir, 'model.safetensors'))).toBe(`../../blobs/${w}`);
        expect(await readlink(join(snapDir, 'sub/dir/weights.bin'))).toBe(`../../../../blobs/${n}`);
        expect(await readlink(join(snapDir, 'tokenizer/vocab.json'))).toBe(`../../../blobs/${v}`);
        expect(await readFile(join(snapDir, 'sub/dir/weights.bin'))).toEqual(FILES.nested);
        expect(await readFile(join(cache, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);
        const byPath = Object.fromEntries(snap.files.map((f) => [f.path, f]));
        expect(byPath['model.safetensors']).toMatchObject({ size: FILES.weights.length, sha256: w, etag: w, downloaded: true });
        expect(byPath['config.json']).toMatchObject({ gitSha1: c, etag: c, sha256: sha256(FILES.config) });
        expect((await stat(join(repoDir, 'blobs', w))).size).toBe(FILES.weights.length);
        const tree = JSON.parse(await readFile(join(repoDir, 'trees', `${MAIN}.json`), 'utf8'));
        expect(tree.format_version).toBe(1);
        expect(tree.files['model.safetensors']).toMatchObject({ size: FILES.weights.length, lfs_sha256: w, lfs_size: FILES.weights.length });
        expect(tree.files['config.json']).toEqual({ size: FILES.config.length, blob_id: c });
      } finally {
        await cleanup(cache);
      }
    });

    it('downloads by commit only and follows tree pagination', async () => {
      const cache = await tempDir();
      try {
        const before = hub.requests.length;
        await fetchSnapshot(opts(hub, cache));
        const urls = hub.requests.slice(before).filter((r) => r.origin === 'hub').map((r) => new URL(r.url).pathname + new URL(r.url).search);
        const resolves = urls.filter((u) => u.includes('/resolve/'));
        expect(resolves.length).toBe(5);
        expect(resolves.every((u) => u.startsWith(`/acme/demo/resolve/${MAIN}/`))).toBe(true);
        const trees = urls.filter((u) => u.includes('/tree/'));
        expect(trees.length).toBeGreaterThan(1);
        expect(trees.every((u) => u.includes(`/tree/${MAIN}`))).toBe(true);
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the blobs are already cached', () => {
    it('GETs no blob, re-verifies, and repairs a corrupted blob', async () => {
      const cache = await tempDir();
      try {
        await fetchSnapshot(opts(hub, cache));
        const before = hub.requests.length;
        const again = await fetchSnapshot(opts(hub, cache));
        expect(hub.requests.slice(before).some((r) => r.url.includes('/resolve/') || r.origin === 'cdn')).toBe(false);
        expect(again.files.every((f) => !f.downloaded)).toBe(true);

        const blob = join(again.blobsDir, sha256(FILES.weights));
        const spoiled = Buffer.from(FILES.weights);
        spoiled[10] = (spoiled[10] ?? 0) ^ 1;
        const { writeFile } = await import('node:fs/promises');
        await writeFile(blob, spoiled);
        const repaired = await fetchSnapshot(opts(hub, cache));
        const file = repaired.files.find((f) => f.path === 'model.safetensors');
        expect(file).toMatchObject({ downloaded: true, repaired: true });
        expect(await readFile(blob)).toEqual(FILES.weights);

        await writeFile(blob, spoiled);
        await expect(fetchSnapshot(opts(hub, cache, { offline: true }))).rejects.toMatchObject({ code: 'CACHE_CORRUPT' });
      } finally {
        await cleanup(cache);
      }
    });
  });

  describe('when the revision is a tag, a PR ref or a commit', () => {
    it('resolves each to its commit and writes nested refs', async () => {
      const cache = await tempDir();
      try {
        const tag = await fetchSnapshot(opts(hub, cache, { revision: 'v1.0' }));
        expect(tag.commit).toBe(repo.refs['v1.0']);
        expect(tag.files.map((f) => f.path)).not.toContain('tokenizer/vocab.json');
        const pr = await fetchSnapshot(opts(hub, cache, { revision: 'refs/pr/1' }));
        expect(pr.commit).toBe(repo.refs['refs/pr/1']);
        expect(await readFile(join(pr.repoDir, 'refs', 'refs', 'pr', '1'), 'utf8')).toBe(pr.commit);
        expect(hub.requests.some((r) => r.url.includes('/revision/refs%2Fpr%2F1'))).toBe(true);
        const byCommit = await fetchSnapshot(opts(hub, cache, { revision: MAIN }));
        expect(byCommit.commit).toBe(MAIN);
        expect(await listTreeOnDisk(join(byCommit.repoDir, 'refs'))).toEqual(['refs/', 'refs/pr/', 'refs/pr/1', 'v1.0']);
        // Blobs shared by the three commits are stored once.
        expect((await listTreeOnDisk(byCommit.blobsDir)).length).toBe(6);
      } finally {
        await cleanup(cache);
      }
    });
  });
});
