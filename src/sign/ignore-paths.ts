import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { compareCodePoints, unsafePathReason } from '../verify/oms/paths.js';

/** model_signing's defaults (hashing.py): ignored at the model root unless --no-ignore-git-paths. */
export const GIT_PATHS = ['.git', '.gitattributes', '.github', '.gitignore'] as const;

/** `abs` relative to `root` (POSIX), or undefined when it is the root itself or outside it. */
function insideRoot(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * Where a user ignore path points inside the model, the way `modelscan verify` reads it: relative to
 * the working folder when that lands inside the model (model_signing's reading), else relative to the
 * model folder. Undefined when it points at the model itself or outside it.
 */
export function userIgnorePath(root: string, path: string, cwd: string): string | undefined {
  const viaCwd = insideRoot(root, resolve(cwd, path));
  if (viaCwd !== undefined || isAbsolute(path)) return viaCwd;
  const rel = posix.normalize(path.split(sep).join('/')).replace(/\/+$/, '');
  return rel !== '.' && unsafePathReason(rel) === null ? rel : undefined;
}

/**
 * The `ignore_paths` model_signing v1.1 records: the user's paths and the signature file when they lie
 * inside the model, model-root-relative (paths outside are dropped), then the git defaults; plus
 * `modelPaths`, model-root-relative paths recorded as given (a folder's own modelscan.lock).
 */
export function recordedIgnorePaths(o: {
  modelPath: string;
  userPaths: readonly string[];
  signaturePath: string;
  ignoreGitPaths: boolean;
  cwd?: string;
  modelPaths?: readonly string[];
}): string[] {
  const cwd = o.cwd ?? process.cwd();
  const root = resolve(cwd, o.modelPath);
  const out = new Set<string>();
  for (const p of o.userPaths) {
    const rel = userIgnorePath(root, p, cwd);
    if (rel !== undefined) out.add(rel);
  }
  const signature = insideRoot(root, resolve(cwd, o.signaturePath));
  if (signature !== undefined) out.add(signature);
  if (o.ignoreGitPaths) for (const g of GIT_PATHS) out.add(g);
  for (const p of o.modelPaths ?? []) out.add(p);
  return [...out].sort(compareCodePoints);
}

/** User ignore paths that point at no place inside the model (not applied; `sign` warns). */
export function ignorePathsOutsideModel(modelPath: string, userPaths: readonly string[], cwd: string = process.cwd()): string[] {
  const root = resolve(cwd, modelPath);
  return userPaths.filter((p) => userIgnorePath(root, p, cwd) === undefined);
}
