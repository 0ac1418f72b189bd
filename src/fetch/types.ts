export interface FetchedFile {
  /** Repository path (`/`-separated). */
  path: string;
  size: number;
  sha256?: string;
  /** Git blob sha1, for regular (non-LFS) files. */
  gitSha1?: string;
  /** The blob's name: sha256 for LFS files, git sha1 otherwise. */
  etag: string;
  blobPath: string;
  snapshotPath: string;
  /** False when the blob was already in the cache (and re-verified). */
  downloaded: boolean;
  /** A cached blob failed re-verification and was deleted and downloaded again. */
  repaired?: boolean;
}

export interface Snapshot {
  endpoint: string;
  repo: string;
  revision: string;
  commit: string;
  repoDir: string;
  snapshotDir: string;
  blobsDir: string;
  files: FetchedFile[];
}
