import { join } from 'node:path';
import { ModelscanError } from './core/errors.js';
import type { PinnedLockfile } from './policy/lock-source.js';
import { sha256File } from './scan/hash.js';
import { walkTarget } from './scan/walk.js';
import { resolveCheckTarget, type HubOptions } from './target.js';
import { buildLockfile, LOCKFILE_NAME, resolveLockfilePath, writeLockfile } from './verify/lockfile.js';

/**
 * `modelscan lock`: pins every file of the target (path, size, sha256). Hashes only; parses nothing.
 * A hub target is fetched (and verified) first; its lockfile goes to the current folder by default and
 * also pins the source (endpoint, repository, revision, commit), which `sources.revision.pinned: lockfile` checks.
 */
export async function lock(target: string, output?: string, hub: HubOptions = {}): Promise<{ path: string; files: number }> {
  const resolved = await resolveCheckTarget(target, hub);
  const walk = await walkTarget(resolved.path, { exclude: (rel) => rel === LOCKFILE_NAME, allowedRoots: resolved.allowedRoots });
  const files: Array<{ path: string; size: number; sha256: string }> = [];
  for (const entry of walk.entries) {
    if (entry.kind === 'skipped-git') continue;
    if (entry.kind !== 'file') throw new ModelscanError('TARGET_UNREADABLE', `${entry.rel}: cannot pin (${entry.kind})`);
    files.push({ path: entry.rel, size: entry.size, sha256: await sha256File(entry.abs) });
  }
  const path = output ?? (resolved.lockBase ? join(resolved.lockBase, LOCKFILE_NAME) : resolveLockfilePath(walk.root, LOCKFILE_NAME));
  const built = buildLockfile(files);
  const { source } = resolved;
  const lockfile: PinnedLockfile =
    source.kind === 'hub'
      ? { version: built.version, tool: built.tool, source: { endpoint: source.endpoint, repo: source.repo, revision: source.revision, commit: source.commit }, files: built.files }
      : built;
  await writeLockfile(path, lockfile);
  return { path, files: lockfile.files.length };
}
