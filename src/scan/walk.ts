import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ModelscanError } from '../core/errors.js';

/** One entry of the target as found on disk, before any byte is read. */
export type WalkEntry =
  | { kind: 'file'; rel: string; abs: string; size: number; viaSymlink: boolean }
  | { kind: 'symlink-escape'; rel: string; linkTarget: string }
  | { kind: 'symlink-broken'; rel: string; linkTarget: string }
  | { kind: 'special'; rel: string; type: string }
  | { kind: 'skipped-git'; rel: string }
  | { kind: 'unreadable'; rel: string; reason: string };

export interface WalkResult {
  /** Absolute, symlink-resolved folder every rel path is relative to. */
  root: string;
  entries: WalkEntry[];
  /** True when the target was a single file. */
  singleFile: boolean;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function toRel(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

function specialType(st: Awaited<ReturnType<typeof lstat>>): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'unknown';
}

/**
 * Lists every file under the target. Symbolic links are resolved and must stay inside the
 * target root (or one of `allowedRoots`); FIFOs and devices are reported, never opened.
 */
/** The folder a target's relative paths are relative to: the folder itself, or a file's parent. */
export async function resolveTarget(target: string): Promise<{ absTarget: string; root: string; singleFile: boolean }> {
  let top;
  try {
    top = await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ModelscanError('TARGET_NOT_FOUND', `${target}: no such file or folder`);
    throw new ModelscanError('TARGET_UNREADABLE', `${target}: cannot read (${code ?? 'error'})`);
  }
  const absTarget = await realpath(resolve(target));
  const singleFile = !top.isDirectory();
  return { absTarget, root: singleFile ? dirname(absTarget) : absTarget, singleFile };
}

export async function walkTarget(target: string, options: { exclude?: (rel: string) => boolean; allowedRoots?: string[] } = {}): Promise<WalkResult> {
  const { absTarget, root, singleFile } = await resolveTarget(target);
  // Allowed roots are compared with realpath()s, so resolve their own symlinks too (a cache under a linked ~/.cache).
  const extraRoots = await Promise.all((options.allowedRoots ?? []).map((r) => realpath(resolve(r)).catch(() => resolve(r))));
  const allowed = [root, ...extraRoots];
  const entries: WalkEntry[] = [];
  const visitedDirs = new Set<string>();

  const visitFile = async (abs: string, rel: string) => {
    let st;
    try {
      st = await lstat(abs);
    } catch (error) {
      entries.push({ kind: 'unreadable', rel, reason: (error as NodeJS.ErrnoException).code ?? 'error' });
      return;
    }
    let viaSymlink = false;
    let real = abs;
    if (st.isSymbolicLink()) {
      viaSymlink = true;
      try {
        real = await realpath(abs);
      } catch {
        entries.push({ kind: 'symlink-broken', rel, linkTarget: abs });
        return;
      }
      if (!allowed.some((r) => isInside(r, real))) {
        entries.push({ kind: 'symlink-escape', rel, linkTarget: real });
        return;
      }
      st = await stat(real);
      if (st.isDirectory()) {
        await visitDir(real, rel);
        return;
      }
    }
    if (st.isDirectory()) {
      await visitDir(abs, rel);
      return;
    }
    if (!st.isFile()) {
      entries.push({ kind: 'special', rel, type: specialType(st) });
      return;
    }
    entries.push({ kind: 'file', rel, abs: real, size: st.size, viaSymlink });
  };

  const visitDir = async (absDir: string, relDir: string) => {
    const real = await realpath(absDir);
    if (visitedDirs.has(real)) return;
    visitedDirs.add(real);
    let names: string[];
    try {
      names = (await readdir(absDir)).sort();
    } catch (error) {
      entries.push({ kind: 'unreadable', rel: relDir || '.', reason: (error as NodeJS.ErrnoException).code ?? 'error' });
      return;
    }
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (name === '.git') {
        entries.push({ kind: 'skipped-git', rel });
        continue;
      }
      if (options.exclude?.(rel)) continue;
      await visitFile(join(absDir, name), rel);
    }
  };

  if (singleFile) await visitFile(resolve(target), basename(absTarget));
  else await visitDir(absTarget, '');
  return { root, entries, singleFile };
}

export { toRel };
