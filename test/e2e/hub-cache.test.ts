import { existsSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitOf, loadFromCache, repoFolder } from '../hub/cache-reader.js';
import { checkRepo, expectInvariants, expectOneLineError, newSandbox, type Outcome, type Sandbox } from '../hub/e2e-harness.js';
import { exampleRepo, fixture, nestedCommits, nestedRepo } from '../hub/fixtures.js';
import { gitBlobSha1, sha256Hex } from '../hub/hashes.js';
import { parseRoute } from '../hub/routes.js';
import { CLI } from '../hub/run-cli.js';
import { startHub, type Hub } from '../hub/index.js';

/**
 * The cache the CLI leaves is the one huggingface_hub reads (refs -> snapshot -> relative symlink ->
 * blob named by etag), and a blob already there is re-verified before it is trusted.
 */
const NESTED = nestedCommits();
const MODEL = fixture('example/model.safetensors');

let hub: Hub;
let work: string;

async function approved(box: Sandbox, repo: string, options: Parameters<typeof checkRepo>[3] = {}): Promise<Outcome> {
  const outcome = await checkRepo(hub, box, repo, options);
  await expectInvariants(hub, box, outcome);
  expect(outcome.status, outcome.stderr).toBe(0);
  expect(outcome.report?.verdict).toBe('APPROVE');
  return outcome;
}

describe('the hub cache, read the way huggingface_hub reads it', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run "npm run build" (npm test does)`);
    work = await mkdtemp(join(tmpdir(), 'modelscan-hub-cache-'));
    // A small page size makes the client follow Link rel="next" through the tree listing.
    hub = await startHub({ pageSize: 2 });
    hub.addRepo(nestedRepo());
    hub.addRepo(exampleRepo());
  });
  afterAll(async () => {
    await hub?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lays out refs, snapshots and blobs for a branch, a tag, refs/pr/1 and a bare commit', async () => {
    const box = await newSandbox(work);
    const runs: Outcome[] = [];
    for (const revision of ['main', 'v1.0', 'refs/pr/1', NESTED.v1]) runs.push(await approved(box, 'acme/nested', { args: ['--revision', revision] }));

    const folder = repoFolder(box.cache, 'acme/nested');
    expect(await readFile(join(folder, 'refs', 'main'), 'utf8')).toBe(NESTED.main);
    expect(await readFile(join(folder, 'refs', 'v1.0'), 'utf8')).toBe(NESTED.v1);
    // huggingface_hub writes Path(storage)/'refs'/revision: refs/pr/1 lands in refs/refs/pr/1.
    expect((await lstat(join(folder, 'refs', 'refs', 'pr'))).isDirectory()).toBe(true);
    expect(await readFile(join(folder, 'refs', 'refs', 'pr', '1'), 'utf8')).toBe(NESTED.pr);
    expect(existsSync(join(folder, 'refs', NESTED.v1)), 'a commit revision writes no ref').toBe(false);

    const repo = nestedRepo();
    const etags = new Set<string>();
    for (const [revision, commit] of [['main', NESTED.main], ['v1.0', NESTED.v1], ['refs/pr/1', NESTED.pr]] as const) {
      expect(await commitOf(box.cache, 'acme/nested', revision)).toBe(commit);
      expect((await readdir(join(folder, 'snapshots'))).sort()).toEqual([NESTED.main, NESTED.v1, NESTED.pr].sort());
      for (const file of repo.commits[commit] ?? []) {
        const bytes = file.content as Buffer;
        const etag = file.lfs ? sha256Hex(bytes) : gitBlobSha1(bytes);
        etags.add(etag);
        const cached = await loadFromCache(box.cache, 'acme/nested', revision, file.path);
        expect(cached.bytes.equals(bytes), `${revision}:${file.path}`).toBe(true);
        expect(cached.blob).toBe(etag);
        expect(cached.link).toBe(`${'../'.repeat(file.path.split('/').length + 1)}blobs/${etag}`);
      }
    }
    // One blob per distinct content: model.safetensors is shared by all three commits.
    expect((await readdir(join(folder, 'blobs'))).sort()).toEqual([...etags].sort());

    const requests = runs.flatMap((r) => r.requests).filter((r) => r.origin === 'hub');
    const resolved = requests.flatMap((r) => {
      const route = parseRoute(new URL(r.url).pathname);
      return route.kind === 'resolve' ? [route.revision] : [];
    });
    expect(resolved.length).toBeGreaterThan(0);
    for (const revision of resolved) expect(revision, 'files are fetched by commit, never by branch').toMatch(/^[0-9a-f]{40}$/);
    expect(requests.some((r) => new URL(r.url).searchParams.has('cursor')), 'tree pages followed through Link rel="next"').toBe(true);
    expect(runs[2]?.report?.files.map((f) => f.path)).toContain('weights/torch/model.pt');
  });

  it('trusts a warm cache without downloading the bytes again', async () => {
    const box = await newSandbox(work);
    await approved(box, 'acme/example');
    const again = await approved(box, 'acme/example');
    expect(again.requests.filter((r) => r.origin !== 'hub' && r.method === 'GET')).toEqual([]);
  });

  describe('a blob corrupted in the cache', () => {
    async function corruptModelBlob(box: Sandbox): Promise<string> {
      const blob = join(repoFolder(box.cache, 'acme/example'), 'blobs', sha256Hex(MODEL));
      const bytes = await readFile(blob);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
      await chmod(blob, 0o644);
      await writeFile(blob, bytes);
      return blob;
    }

    it('is re-verified: the next check denies or fetches it again, never approves the bad bytes', async () => {
      const box = await newSandbox(work);
      await approved(box, 'acme/example');
      const blob = await corruptModelBlob(box);
      const outcome = await checkRepo(hub, box, 'acme/example');
      await expectInvariants(hub, box, outcome, { cacheConsistent: false });
      expect([0, 1], outcome.stderr).toContain(outcome.status);
      if (outcome.status === 0) {
        expect(sha256Hex(await readFile(blob)), 'approved only after refetching').toBe(sha256Hex(MODEL));
      } else {
        expect(outcome.report?.verdict).toBe('DENY');
      }
    });

    it('offline, cannot be refetched and is never approved', async () => {
      const box = await newSandbox(work);
      await approved(box, 'acme/example');
      await corruptModelBlob(box);
      const outcome = await checkRepo(hub, box, 'acme/example', { args: ['--offline'] });
      await expectInvariants(hub, box, outcome, { cacheConsistent: false });
      expect(outcome.status).not.toBe(0);
      expect(outcome.requests).toEqual([]);
    });
  });

  describe('offline', () => {
    it('approves from a complete cache with no request at all (--offline and HF_HUB_OFFLINE=1)', async () => {
      const box = await newSandbox(work);
      await approved(box, 'acme/example');
      expect((await approved(box, 'acme/example', { args: ['--offline'] })).requests).toEqual([]);
      expect((await approved(box, 'acme/example', { env: { HF_HUB_OFFLINE: '1' } })).requests).toEqual([]);
    });

    it('fails closed on an empty cache without touching the network', async () => {
      const box = await newSandbox(work);
      const outcome = await checkRepo(hub, box, 'acme/example', { args: ['--offline'] });
      await expectInvariants(hub, box, outcome);
      expectOneLineError(outcome);
      expect(outcome.requests).toEqual([]);
    });
  });
});
