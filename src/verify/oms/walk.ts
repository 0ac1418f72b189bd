import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SignatureError, SignatureRejection, errnoCode } from './errors.js';
import { isUnderPath, quoteName } from './paths.js';

/** A file to hash: `name` is the OMS resource path ("." for a single-file model). */
export interface ModelFile {
  name: string;
  abs: string;
  size: number;
}

export interface WalkOptions {
  allowSymlinks: boolean;
  /** Model-root-relative POSIX paths; each hides itself and everything under it. */
  ignore: readonly string[];
  /** Only these resource paths are wanted (ignore_unsigned_files): other entries are not looked at. */
  only?: ReadonlySet<string>;
  /**
   * Folders outside the model that its symlinks may point into (the hub cache's blobs/): a symlink
   * whose real target is a regular file inside one of them is that file, named by the link's path, as
   * after `snapshot_download` to a local folder. Any other symlink keeps `allowSymlinks`' rule.
   */
  symlinkRoots?: readonly string[];
}

/**
 * The files of a model as model_signing sees them: the model path plus `glob("**\/*")` (dot-files
 * included, no descent into symlinked folders), ignored paths skipped before any other check, a
 * symlink an error unless allowed (then hashed by target content under the link's name), anything
 * that is neither file nor folder an error. The model path itself is resolved first.
 */
export async function listModelFiles(modelPath: string, o: WalkOptions): Promise<ModelFile[]> {
  let root: string;
  let top;
  try {
    root = await realpath(modelPath);
    top = await stat(root);
  } catch (error) {
    throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `${modelPath}: cannot read model (${errnoCode(error)})`);
  }
  if (top.isFile()) return o.only && !o.only.has('.') ? [] : [{ name: '.', abs: root, size: top.size }];
  if (!top.isDirectory()) throw new SignatureRejection('SIGNATURE_MODEL_ENTRY_REJECTED', `${modelPath}: not a file or folder`);

  const roots = await realRoots(o.symlinkRoots ?? []);
  const ignored = (rel: string) => o.ignore.some((p) => isUnderPath(rel, p));
  const wantedDirs = o.only ? onlyDirs(o.only) : null;
  const files: ModelFile[] = [];
  const visit = async (dirAbs: string, dirRel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dirAbs);
    } catch (error) {
      throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `${quoteName(dirRel || '.')}: cannot list folder (${errnoCode(error)})`);
    }
    const subdirs: Array<[string, string]> = [];
    for (const name of names) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      if (ignored(rel)) continue;
      if (o.only && !o.only.has(rel) && !wantedDirs!.has(rel)) continue;
      const abs = join(dirAbs, name);
      const entry = await lstatOrThrow(abs, rel);
      let target = entry;
      if (entry.isSymbolicLink()) {
        const linked = roots.length > 0 ? await fileInRoots(abs, roots) : null;
        if (linked) {
          // Hashed through the resolved path, so a link swapped after this walk is not followed.
          if (!o.only || o.only.has(rel)) files.push({ name: rel, abs: linked.real, size: linked.size });
          continue;
        }
        if (!o.allowSymlinks) throw new SignatureRejection('SIGNATURE_MODEL_ENTRY_REJECTED', `${quoteName(rel)}: is a symlink and the signature does not allow symlinks`);
        try {
          target = await stat(abs);
        } catch (error) {
          throw new SignatureRejection('SIGNATURE_MODEL_ENTRY_REJECTED', `${quoteName(rel)}: broken symlink (${errnoCode(error)})`);
        }
        if (target.isDirectory()) continue; // glob("**/*") does not descend into linked folders
      }
      if (target.isDirectory()) subdirs.push([abs, rel]);
      else if (target.isFile()) {
        if (!o.only || o.only.has(rel)) files.push({ name: rel, abs, size: target.size });
      } else throw new SignatureRejection('SIGNATURE_MODEL_ENTRY_REJECTED', `${quoteName(rel)}: neither a file nor a folder`);
    }
    for (const [abs, rel] of subdirs) await visit(abs, rel);
  };
  await visit(root, '');
  return files;
}

/** The roots as real paths; one that does not exist admits nothing. */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((r) => realpath(resolve(r)).catch(() => null)));
  return real.filter((r): r is string => r !== null);
}

/** The link's real target and size when it is a regular file strictly inside one of `roots`, else null. */
async function fileInRoots(abs: string, roots: readonly string[]): Promise<{ real: string; size: number } | null> {
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return null; // broken: the signature's rule decides
  }
  const inside = roots.some((root) => {
    const rel = relative(root, real);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  });
  if (!inside) return null;
  try {
    const st = await stat(real);
    return st.isFile() ? { real, size: st.size } : null;
  } catch {
    return null;
  }
}

async function lstatOrThrow(abs: string, rel: string) {
  try {
    return await lstat(abs);
  } catch (error) {
    throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `${quoteName(rel)}: cannot read (${errnoCode(error)})`);
  }
}

/** Every folder on the way to a wanted path. */
function onlyDirs(only: ReadonlySet<string>): Set<string> {
  const dirs = new Set<string>();
  for (const path of only) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}
