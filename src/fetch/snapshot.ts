import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toolVersion } from '../core/package-root.js';
import { blobPath, CACHEDIR_TAG, lockPath, refPath, repoCache, type RepoCache, snapshotDir, snapshotFilePath, symlinkTarget, treeCachePath } from './cache-layout.js';
import { type FetchConfig, type FetchOptions, resolveConfig } from './config.js';
import { type BlobResult, ensureBlob } from './download.js';
import { FetchError, redactError } from './errors.js';
import { assertNoLinkComponents, atomicWrite, ensureDirUnder, exists, fsError, placeSymlink } from './fs-safe.js';
import { listTree, resolveCommit } from './hub-api.js';
import { HubHttp } from './http.js';
import { acquireLock } from './lock.js';
import { offlineSnapshot } from './offline.js';
import { validateListing } from './paths.js';
import { runPool } from './pool.js';
import { createProgress, type Progress } from './progress.js';
import { walkSnapshot } from './snapshot-walk.js';
import { serializeTreeCache } from './tree-cache.js';
import { expectedEtag, type TreeFile } from './tree.js';
import type { FetchedFile, Snapshot } from './types.js';

/**
 * Fetches `repo@revision` into the hub cache, pinned to the commit the revision resolves to, every
 * byte verified while it streams, and returns the snapshot. Fails closed with a FetchError; the
 * token never appears in what it throws.
 */
export async function fetchSnapshot(options: FetchOptions): Promise<Snapshot> {
  let config: FetchConfig | undefined;
  try {
    config = await resolveConfig(options);
    const rc = repoCache(config.cacheDir, config.repo);
    if (config.offline) return await offlineSnapshot(config, rc);
    return await onlineSnapshot(config, rc);
  } catch (error) {
    const coded = error instanceof FetchError ? error : fsError(error, 'fetch');
    throw redactError(coded, config?.token ?? (typeof options.token === 'string' ? options.token : undefined));
  }
}

async function onlineSnapshot(config: FetchConfig, rc: RepoCache): Promise<Snapshot> {
  const internal = new AbortController();
  const signal = config.signal ? AbortSignal.any([config.signal, internal.signal]) : internal.signal;
  const http = new HubHttp({
    endpoint: config.endpoint,
    token: config.token,
    connectMs: config.connectMs,
    stallMs: config.stallMs,
    backoff: config.backoff,
    signal,
    userAgent: `modelscan/${toolVersion()}`,
  });
  const progress = createProgress(config.progress, config.progressStream, `fetch ${config.repo.id}`);
  try {
    const commit = await resolveCommit(http, config.repo, config.revision);
    const entries = await listTree(http, config.repo, commit);
    validateListing(entries);
    const files = entries.flatMap((e) => (e.file ? [e.file] : []));
    await preflight(rc, commit, files);
    await prepareCache(rc);

    const snapDir = snapshotDir(rc, commit);
    const unique = new Map(files.map((f) => [expectedEtag(f), f.size]));
    progress.addTotal([...unique.values()].reduce((sum, size) => sum + size, 0));
    const ctx = { http, repo: config.repo, rc, revision: config.revision, commit, backoff: config.backoff, signal, onBytes: (d: number) => progress.advance(d) };
    // One job per blob: two paths with the same content share a blob, a lock and one verification.
    const blobs = new Map<string, Promise<BlobResult>>();
    const blobFor = (file: TreeFile): Promise<BlobResult> => {
      const etag = expectedEtag(file);
      let job = blobs.get(etag);
      if (!job) {
        job = withBlobLock(config, rc, etag, signal, () => ensureBlob(ctx, file)).then((result) => {
          if (!result.downloaded) progress.advance(file.size);
          return result;
        });
        blobs.set(etag, job);
      }
      return job;
    };
    const fetched = await runPool(files, config.jobs, internal, async (file): Promise<FetchedFile> => {
      const result = await blobFor(file);
      const etag = expectedEtag(file);
      const blob = blobPath(rc, etag);
      const linkPath = snapshotFilePath(rc, commit, file.path);
      await ensureDirUnder(rc.repoDir, dirname(linkPath), file.path);
      await placeSymlink(linkPath, symlinkTarget(linkPath, blob), file.path);
      return {
        path: file.path,
        size: file.size,
        sha256: file.lfs ? file.lfs.sha256 : result.digests.sha256,
        ...(file.lfs ? {} : { gitSha1: file.oid }),
        etag,
        blobPath: blob,
        snapshotPath: linkPath,
        downloaded: result.downloaded,
        ...(result.repaired ? { repaired: true } : {}),
      };
    });
    await ensureDirUnder(rc.repoDir, snapDir);
    await removeStrangers(snapDir, files);
    await ensureDirUnder(rc.repoDir, rc.treesDir);
    await atomicWrite(treeCachePath(rc, commit), serializeTreeCache(files));
    if (config.revision !== commit) await writeRef(rc, config.revision, commit);
    return { endpoint: config.endpoint, repo: config.repo.id, revision: config.revision, commit, repoDir: rc.repoDir, snapshotDir: snapDir, blobsDir: rc.blobsDir, files: fetched };
  } finally {
    progress.stop();
    await http.close();
  }
}

/** Nothing is written until every snapshot path is known not to pass through a link already in the cache. */
async function preflight(rc: RepoCache, commit: string, files: readonly TreeFile[]): Promise<void> {
  for (const dir of [rc.blobsDir, rc.refsDir, rc.treesDir, snapshotDir(rc, commit), rc.locksDir]) {
    await assertNoLinkComponents(rc.cacheDir, join(dir, 'x'), dir);
  }
  for (const file of files) await assertNoLinkComponents(rc.cacheDir, snapshotFilePath(rc, commit, file.path), file.path);
}

async function prepareCache(rc: RepoCache): Promise<void> {
  await ensureDirUnder(rc.cacheDir, rc.cacheDir);
  const tag = join(rc.cacheDir, 'CACHEDIR.TAG');
  if (!(await exists(tag))) await atomicWrite(tag, CACHEDIR_TAG).catch(() => undefined);
  await ensureDirUnder(rc.cacheDir, rc.blobsDir);
  await ensureDirUnder(rc.cacheDir, rc.snapshotsDir);
  await ensureDirUnder(rc.cacheDir, rc.locksDir);
}

async function withBlobLock<T>(config: FetchConfig, rc: RepoCache, etag: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const release = await acquireLock(lockPath(rc, etag), { staleMs: config.lockStaleMs, waitMs: config.lockWaitMs, signal });
  try {
    return await work();
  } finally {
    await release();
  }
}

/** A snapshot folder holds exactly the commit's files: anything else there (planted or stale) is removed. */
async function removeStrangers(snapDir: string, files: readonly TreeFile[]): Promise<void> {
  const keep = new Set<string>();
  const filePaths = new Set(files.map((f) => f.path));
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) keep.add(parts.slice(0, i).join('/'));
  }
  for (const entry of await walkSnapshot(snapDir)) {
    if (keep.has(entry.path)) {
      if (filePaths.has(entry.path) ? entry.kind === 'link' : entry.kind === 'dir') continue;
    }
    await rm(entry.abs, { recursive: true, force: true }).catch((error: unknown) => Promise.reject(fsError(error, `remove stray ${entry.abs}`)));
  }
}

async function writeRef(rc: RepoCache, revision: string, commit: string): Promise<void> {
  const path = refPath(rc, revision);
  await ensureDirUnder(rc.repoDir, dirname(path), revision);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== commit) await atomicWrite(path, commit);
}
