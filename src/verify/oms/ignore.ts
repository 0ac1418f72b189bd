import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { unsafePathReason } from './paths.js';

/** What model_signing ignores at the top of a model folder unless told not to. */
export const GIT_IGNORE_DEFAULTS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];

async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/** `abs` as a model-root-relative POSIX path, or null when it is not strictly inside the root. */
export function insideRoot(root: string, abs: string): string | null {
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/**
 * A user ignore path as a model-root-relative POSIX path: absolute paths must lie inside the model
 * root (else they ignore nothing); relative ones are taken relative to the root. Unsafe ones (`..`)
 * ignore nothing.
 */
export function normalizeIgnorePath(root: string, path: string): string | null {
  if (isAbsolute(path)) return insideRoot(root, resolve(path));
  const rel = path.split(sep).join('/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return unsafePathReason(rel) === null && rel !== '.' ? rel : null;
}

/**
 * The paths a verification ignores besides the signature's own `ignore_paths`: the git defaults
 * (folder models, unless `ignoreGitPaths` is false), the signature file when it lies inside the
 * model folder, and the user's paths.
 */
export async function verificationIgnores(modelPath: string, signaturePath: string, userPaths: readonly string[], ignoreGitPaths: boolean): Promise<string[]> {
  const root = await realOrResolved(modelPath);
  const isDir = await stat(root).then((s) => s.isDirectory(), () => false);
  const out = new Set<string>();
  if (!isDir) return [];
  if (ignoreGitPaths) for (const p of GIT_IGNORE_DEFAULTS) out.add(p);
  // The signature as named and in its real folder (the model folder may be reached through a link).
  // Never the file a signature link points to: that would leave another model file unchecked.
  const named = join(await realOrResolved(dirname(resolve(signaturePath))), basename(signaturePath));
  for (const candidate of [resolve(signaturePath), named]) {
    const rel = insideRoot(root, candidate);
    if (rel) out.add(rel);
  }
  for (const p of userPaths) {
    const rel = normalizeIgnorePath(root, p);
    if (rel) out.add(rel);
  }
  return [...out];
}
