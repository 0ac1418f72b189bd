import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { blobPath, refPath, type RepoCache, snapshotDir, treeCachePath } from './cache-layout.js';
import { verifyCachedBlob } from './cache-verify.js';
import type { FetchConfig } from './config.js';
import { FetchError } from './errors.js';
import { lstatOrUndefined } from './fs-safe.js';
import { SHA1_HEX, SHA256_HEX } from './hash.js';
import { validateListing } from './paths.js';
import { isCommitSha } from './revision.js';
import { walkSnapshot } from './snapshot-walk.js';
import { readTreeCache } from './tree-cache.js';
import { expectedEtag } from './tree.js';
import type { FetchedFile, Snapshot } from './types.js';

/**
 * HF_HUB_OFFLINE: refs -> snapshot -> symlink -> blob, from the cache alone, every blob re-hashed.
 * With a tree cache (`trees/<commit>.json`) the snapshot must be complete; without one, every entry
 * of the snapshot folder must be a link to a blob that verifies. Corrupt blobs are not repaired here.
 */
export async function offlineSnapshot(config: FetchConfig, rc: RepoCache): Promise<Snapshot> {
  const commit = await offlineCommit(config, rc);
  const dir = snapshotDir(rc, commit);
  const miss = (why: string) => new FetchError('OFFLINE_MISS', `offline: ${config.repo.id}@${config.revision} ${why}`);
  for (const level of [rc.repoDir, rc.snapshotsDir, dir]) {
    const stat = await lstatOrUndefined(level);
    if (stat === undefined) throw miss('is not in the cache');
    if (!stat.isDirectory() || stat.isSymbolicLink()) throw new FetchError('CACHE_CORRUPT', `cache: ${level} is not a directory`);
  }
  const entries = await walkSnapshot(dir);
  const links = new Map(entries.filter((e) => e.kind === 'link').map((e) => [e.path, e]));
  for (const e of entries) if (e.kind === 'other') throw corrupt(e.path, 'is not a link into blobs/ (cannot be verified)');
  validateListing(entries.map((e) => ({ path: e.path, type: e.kind === 'dir' ? 'directory' : 'file' })));

  const listed = await readTreeCache(treeCachePath(rc, commit));
  const wanted = listed
    ? listed.map((f) => ({ path: f.path, etag: expectedEtag(f), size: f.size as number | undefined, lfs: f.lfs !== undefined, oid: f.oid }))
    : [...links.values()].map((l) => ({ path: l.path, etag: basename(l.resolved), size: undefined, lfs: SHA256_HEX.test(basename(l.resolved)), oid: undefined as string | undefined }));
  if (listed) {
    validateListing(listed.map((f) => ({ path: f.path, type: 'file' })));
    const known = new Set(listed.map((f) => f.path));
    for (const path of links.keys()) if (!known.has(path)) throw corrupt(path, 'is not in the commit tree listing');
  }

  const files: FetchedFile[] = [];
  for (const want of wanted) {
    const link = links.get(want.path);
    if (!link) throw miss(`is incomplete in the cache: ${want.path} is missing`);
    if (!SHA256_HEX.test(want.etag) && !SHA1_HEX.test(want.etag)) throw corrupt(want.path, 'links to a blob not named by a sha256 or git sha1');
    const blob = blobPath(rc, want.etag);
    if (link.resolved !== blob || dirname(link.resolved) !== rc.blobsDir) throw corrupt(want.path, `links to ${link.target}, not to blobs/${want.etag}`);
    const cached = await verifyCachedBlob(blob, want.etag, want.size);
    if (cached.state === 'missing') throw miss(`is incomplete in the cache: the blob of ${want.path} is missing`);
    if (cached.state === 'corrupt') throw corrupt(want.path, `blob ${want.etag}: ${cached.why}`);
    files.push({
      path: want.path,
      size: cached.size,
      sha256: cached.digests.sha256,
      ...(want.lfs ? {} : { gitSha1: want.etag }),
      etag: want.etag,
      blobPath: blob,
      snapshotPath: link.abs,
      downloaded: false,
    });
  }
  return { endpoint: config.endpoint, repo: config.repo.id, revision: config.revision, commit, repoDir: rc.repoDir, snapshotDir: dir, blobsDir: rc.blobsDir, files };
}

function corrupt(path: string, why: string): FetchError {
  return new FetchError('CACHE_CORRUPT', `cache: ${path} ${why}`, { file: path });
}

async function offlineCommit(config: FetchConfig, rc: RepoCache): Promise<string> {
  if (isCommitSha(config.revision)) return config.revision;
  const ref = refPath(rc, config.revision);
  const stat = await lstatOrUndefined(ref);
  if (stat === undefined) throw new FetchError('OFFLINE_MISS', `offline: revision ${config.revision} of ${config.repo.id} is not in the cache`);
  if (!stat.isFile()) throw new FetchError('CACHE_CORRUPT', `cache: ref ${config.revision} is not a regular file`);
  const commit = (await readFile(ref, 'utf8')).trim();
  if (!isCommitSha(commit)) throw new FetchError('CACHE_CORRUPT', `cache: ref ${config.revision} does not hold a commit sha`);
  return commit;
}
