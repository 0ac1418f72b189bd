import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { FetchError } from './errors.js';

/** Maps a file-system failure to a coded error: ENOSPC/EDQUOT are DISK_FULL, the rest mean the cache is unusable. */
export function fsError(error: unknown, what: string, file?: string): FetchError {
  if (error instanceof FetchError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const opts = { cause: error, ...(file !== undefined ? { file } : {}) };
  if (code === 'ENOSPC' || code === 'EDQUOT') return new FetchError('DISK_FULL', `disk full while ${what}`, opts);
  return new FetchError('CACHE_CORRUPT', `cache: cannot ${what}: ${code ?? (error instanceof Error ? error.message : String(error))}`, opts);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw fsError(error, `inspect ${path}`);
  }
}

/**
 * Creates `base/...rest` one level at a time, refusing any level that exists as a symlink or as a
 * non-directory: nothing is ever written through a link planted in the cache. `base` itself is the
 * user's choice and may be a link.
 */
export async function ensureDirUnder(base: string, target: string, name = target): Promise<void> {
  const rel = relative(base, target);
  if (rel.startsWith('..') || rel.startsWith(sep)) throw new FetchError('UNSAFE_PATH', `${name}: outside the cache`, { file: name });
  await mkdirBase(base);
  let current = base;
  for (const segment of rel === '' ? [] : rel.split(sep)) {
    current = join(current, segment);
    const stat = await lstatOrUndefined(current);
    if (stat === undefined) {
      try {
        await mkdir(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(error, `create ${current}`);
      }
      const again = await lstatOrUndefined(current);
      if (!again?.isDirectory() || again.isSymbolicLink()) throw unsafeLink(current, name);
    } else if (stat.isSymbolicLink() || !stat.isDirectory()) {
      throw unsafeLink(current, name);
    }
  }
}

async function mkdirBase(base: string): Promise<void> {
  try {
    await mkdir(base, { recursive: true });
  } catch (error) {
    throw fsError(error, `create ${base}`);
  }
}

/** Throws UNSAFE_PATH when an existing component between `base` and `target` (exclusive) is a symlink or a file. */
export async function assertNoLinkComponents(base: string, target: string, name: string): Promise<void> {
  const rel = relative(base, target);
  const segments = rel.split(sep);
  let current = base;
  for (const segment of segments.slice(0, -1)) {
    current = join(current, segment);
    const stat = await lstatOrUndefined(current);
    if (stat === undefined) return;
    if (stat.isSymbolicLink() || !stat.isDirectory()) throw unsafeLink(current, name);
  }
}

function unsafeLink(at: string, name: string): FetchError {
  return new FetchError('UNSAFE_PATH', `refusing to write ${JSON.stringify(name.slice(0, 200))}: ${at} is a symlink or not a directory`, { file: name });
}

export function tempName(path: string, suffix = '.tmp'): string {
  return `${path}.${randomBytes(4).toString('hex')}${suffix}`;
}

/** Writes via a unique temp file and rename(2), so readers see the old or the new content, never half. */
export async function atomicWrite(path: string, content: string | Uint8Array): Promise<void> {
  const temp = tempName(path);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw fsError(error, `write ${path}`);
  }
}

/**
 * Points `linkPath` at `target` (relative). An existing correct link is kept; anything else at that
 * name (stale link, a file) is replaced atomically; a directory there is refused.
 */
export async function placeSymlink(linkPath: string, target: string, name: string): Promise<void> {
  const stat = await lstatOrUndefined(linkPath);
  if (stat?.isSymbolicLink()) {
    try {
      if ((await readlink(linkPath)) === target) return;
    } catch (error) {
      throw fsError(error, `read link ${linkPath}`, name);
    }
  } else if (stat?.isDirectory()) {
    throw new FetchError('UNSAFE_PATH', `refusing to replace directory ${linkPath} with file ${JSON.stringify(name.slice(0, 200))}`, { file: name });
  }
  const temp = tempName(linkPath, '.link');
  try {
    await symlink(target, temp);
    await rename(temp, linkPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw fsError(error, `link ${linkPath}`, name);
  }
}

export async function exists(path: string): Promise<boolean> {
  return (await lstatOrUndefined(path)) !== undefined;
}

export { lstatOrUndefined };
