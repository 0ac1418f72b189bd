import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { FetchError } from './errors.js';
import { repoFolderName, type RepoId } from './repo-id.js';

/** huggingface_hub's CACHEDIR.TAG, byte for byte (never rewritten when present). */
export const CACHEDIR_TAG = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n';

const ETAG = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface RepoCache {
  cacheDir: string;
  folder: string;
  repoDir: string;
  blobsDir: string;
  snapshotsDir: string;
  refsDir: string;
  treesDir: string;
  locksDir: string;
}

export function repoCache(cacheDir: string, repo: RepoId): RepoCache {
  const folder = repoFolderName(repo);
  const repoDir = join(cacheDir, folder);
  return {
    cacheDir,
    folder,
    repoDir,
    blobsDir: join(repoDir, 'blobs'),
    snapshotsDir: join(repoDir, 'snapshots'),
    refsDir: join(repoDir, 'refs'),
    treesDir: join(repoDir, 'trees'),
    locksDir: join(cacheDir, '.locks', folder),
  };
}

/** Etags become file names: only the two hex shapes the hub uses are accepted. */
export function checkEtag(etag: string): string {
  if (!ETAG.test(etag)) throw new FetchError('PROTOCOL', `hub sent an etag that is neither a sha256 nor a git sha1: ${JSON.stringify(etag.slice(0, 80))}`);
  return etag;
}

export const blobPath = (rc: RepoCache, etag: string): string => join(rc.blobsDir, checkEtag(etag));
/** Pre-1.18 huggingface_hub name; kept across runs so an interrupted download resumes. */
export const incompletePath = (rc: RepoCache, etag: string): string => `${blobPath(rc, etag)}.incomplete`;
export const lockPath = (rc: RepoCache, etag: string): string => join(rc.locksDir, `${checkEtag(etag)}.lock`);
export const snapshotDir = (rc: RepoCache, commit: string): string => join(rc.snapshotsDir, commit);
export const treeCachePath = (rc: RepoCache, commit: string): string => join(rc.treesDir, `${commit}.json`);

/** `snapshots/<commit>/<path>`; the path must already have passed validateListing. */
export function snapshotFilePath(rc: RepoCache, commit: string, repoPath: string): string {
  const base = snapshotDir(rc, commit);
  const full = join(base, ...repoPath.split('/'));
  assertInside(base, full, repoPath);
  return full;
}

/** `refs/<revision>`; `refs/pr/1` nests. The revision must already have passed validateRevision. */
export function refPath(rc: RepoCache, revision: string): string {
  const full = join(rc.refsDir, ...revision.split('/'));
  assertInside(rc.refsDir, full, revision);
  return full;
}

/** The relative link target from a snapshot entry to its blob (`../../blobs/<etag>`, one more `../` per subfolder). */
export function symlinkTarget(snapshotFile: string, blobFile: string): string {
  return relative(dirname(snapshotFile), blobFile);
}

function assertInside(base: string, full: string, name: string): void {
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep)) {
    throw new FetchError('UNSAFE_PATH', `unsafe name ${JSON.stringify(name.slice(0, 200))}: escapes the cache folder`, { file: name });
  }
}

/**
 * When `modelPath` is a snapshot folder of a hub cache (`.../snapshots/<commit>`), the repository's
 * `blobs/` folder: the only place its file symlinks may point. Otherwise none.
 */
export function snapshotBlobRoots(modelPath: string): string[] {
  const abs = resolve(modelPath);
  return basename(dirname(abs)) === 'snapshots' ? [join(dirname(dirname(abs)), 'blobs')] : [];
}
