import { createHash } from 'node:crypto';
import { contentDigests, contentSize } from './content.js';
import type { FaultBook } from './faults.js';
import { gitBlobSha1, lfsPointer, otherDigest } from './hashes.js';
import type { HubContent, HubFile, HubRepo } from './types.js';

const COMMIT = /^[0-9a-f]{40}$/;
const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HOSTILE_DEFAULT = Buffer.from('hostile entry\n');

/** A file as the hub describes it, after faults that change what it claims (`wrong-sha`). */
export interface FileView {
  path: string;
  content: HubContent;
  lfs: boolean;
  size: number;
  /** True digests of the content (what the CDN serves by). */
  sha256: string;
  gitSha1: string;
  /** Claimed: the tree `oid` (git sha1 of the content, or of the LFS pointer). */
  oid: string;
  /** Claimed: `lfs.oid` / `X-Linked-Etag` of an LFS file. */
  lfsSha256?: string;
  pointerSize?: number;
  /** Claimed: what resolve sends as the etag (sha256 for LFS, git sha1 otherwise). */
  etag: string;
}

export interface TreeEntry {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

export class RepoStore {
  private readonly repos = new Map<string, HubRepo>();

  add(repo: HubRepo): void {
    if (!REPO_ID.test(repo.id)) throw new Error(`hub: repo id must be org/name, got ${JSON.stringify(repo.id)}`);
    for (const [sha, files] of Object.entries(repo.commits)) {
      if (!COMMIT.test(sha)) throw new Error(`hub: ${repo.id}: commit ${JSON.stringify(sha)} is not 40 lowercase hex`);
      const seen = new Set<string>();
      for (const file of files) {
        if (seen.has(file.path)) throw new Error(`hub: ${repo.id}@${sha}: ${file.path} listed twice`);
        seen.add(file.path);
      }
    }
    for (const [ref, sha] of Object.entries(repo.refs)) {
      if (!repo.commits[sha]) throw new Error(`hub: ${repo.id}: ref ${ref} points to unknown commit ${sha}`);
    }
    this.repos.set(repo.id, repo);
  }

  get(id: string): HubRepo | undefined {
    return this.repos.get(id);
  }

  /** A ref name or a full commit sha -> the commit. */
  resolveRevision(repo: HubRepo, revision: string): string | undefined {
    if (COMMIT.test(revision) && repo.commits[revision]) return revision;
    return Object.hasOwn(repo.refs, revision) ? repo.refs[revision] : undefined;
  }

  /** Files at a commit, then the hostile names of `extra-tree-entry` faults. */
  files(repo: HubRepo, commit: string, faults: FaultBook): HubFile[] {
    const extra = faults.extraEntries().map((f) => ({ path: f.path, content: f.content ?? HOSTILE_DEFAULT }));
    return [...(repo.commits[commit] ?? []), ...extra];
  }

  /** Looks a requested path up exactly as sent: the server never normalises names. */
  find(repo: HubRepo, commit: string, path: string, faults: FaultBook): HubFile | undefined {
    return this.files(repo, commit, faults).find((f) => f.path === path);
  }
}

export async function viewFile(file: HubFile, faults: FaultBook): Promise<FileView> {
  const digests = await contentDigests(file.content);
  const wrong = faults.has('wrong-sha', file.path) !== undefined;
  const base = { path: file.path, content: file.content, size: digests.size, sha256: digests.sha256, gitSha1: digests.gitSha1 };
  if (!file.lfs) {
    const oid = wrong ? otherDigest(digests.gitSha1) : digests.gitSha1;
    return { ...base, lfs: false, oid, etag: oid };
  }
  const claimed = wrong ? otherDigest(digests.sha256) : digests.sha256;
  const pointer = lfsPointer(claimed, digests.size);
  return { ...base, lfs: true, oid: gitBlobSha1(pointer), lfsSha256: claimed, pointerSize: pointer.length, etag: claimed };
}

export function toTreeEntry(view: FileView): TreeEntry {
  const entry: TreeEntry = { type: 'file', oid: view.oid, size: view.size, path: view.path };
  if (view.lfs) entry.lfs = { oid: view.lfsSha256 ?? view.sha256, size: view.size, pointerSize: view.pointerSize ?? 0 };
  return entry;
}

/** Every directory implied by the (real) file paths. */
export function directoriesOf(files: HubFile[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs];
}

export function directoryEntry(commit: string, path: string): TreeEntry {
  return { type: 'directory', oid: createHash('sha1').update(`tree ${commit} ${path}`).digest('hex'), size: 0, path };
}

export { contentSize };
