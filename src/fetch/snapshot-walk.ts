import { lstat, readdir, readlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fsError } from './fs-safe.js';

export type SnapshotEntry =
  | { kind: 'link'; path: string; abs: string; target: string; resolved: string }
  | { kind: 'dir'; path: string; abs: string }
  | { kind: 'other'; path: string; abs: string };

/** Every entry under a snapshot folder, without following links; `path` is repository-relative with `/`. */
export async function walkSnapshot(root: string): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      throw fsError(error, `list ${dir}`);
    }
    for (const name of names.sort()) {
      const abs = join(dir, name);
      const path = prefix ? `${prefix}/${name}` : name;
      const stat = await lstat(abs).catch((error: unknown) => Promise.reject(fsError(error, `inspect ${abs}`)));
      if (stat.isSymbolicLink()) {
        const target = await readlink(abs);
        out.push({ kind: 'link', path, abs, target, resolved: resolve(dirname(abs), target) });
      } else if (stat.isDirectory()) {
        out.push({ kind: 'dir', path, abs });
        await visit(abs, path);
      } else out.push({ kind: 'other', path, abs });
    }
  };
  await visit(root, '');
  return out;
}
