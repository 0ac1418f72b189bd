import { join } from 'node:path';
import { ModelscanError } from './core/errors.js';
import { sha256File } from './scan/hash.js';
import { walkTarget } from './scan/walk.js';
import { resolveCheckTarget, type HubOptions } from './target.js';
import { buildLockfile, LOCKFILE_NAME, resolveLockfilePath, writeLockfile } from './verify/lockfile.js';

/**
 * `modelscan lock`: pins every file of the target (path, size, sha256). Hashes only; parses nothing.
 * A hub target is fetched (and verified) first; its lockfile goes to the current folder by default.
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
  const lockfile = buildLockfile(files);
  await writeLockfile(path, lockfile);
  return { path, files: lockfile.files.length };
}
