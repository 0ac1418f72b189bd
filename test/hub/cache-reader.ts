import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Reads a cache the way huggingface_hub does (`try_to_load_from_cache` / a cache hit in
 * `hf_hub_download`): refs/<rev> -> commit -> snapshots/<commit>/<path> -> (symlink) -> blobs/<etag>.
 * Used by the e2e tests to prove that Python would load exactly the bytes modelscan vetted.
 */
export function repoFolder(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.split('/').join('--')}`);
}

/** As Python: a 40-hex revision is the commit; anything else is read from refs/<rev>, unstripped. */
export async function commitOf(cacheDir: string, repoId: string, revision: string): Promise<string | undefined> {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  const ref = join(repoFolder(cacheDir, repoId), 'refs', ...revision.split('/'));
  return existsSync(ref) ? readFile(ref, 'utf8') : undefined;
}

export interface CachedFile {
  commit: string;
  /** What snapshots/<commit>/<path> links to, as stored. */
  link: string;
  /** Name of the blob it lands on, under the repo's blobs/. */
  blob: string;
  bytes: Buffer;
}

export async function loadFromCache(cacheDir: string, repoId: string, revision: string, path: string): Promise<CachedFile> {
  const commit = await commitOf(cacheDir, repoId, revision);
  if (commit === undefined) throw new Error(`no refs/${revision}`);
  const folder = repoFolder(cacheDir, repoId);
  const pointer = join(folder, 'snapshots', commit, ...path.split('/'));
  if (!(await lstat(pointer)).isSymbolicLink()) throw new Error(`${pointer} is not a symlink`);
  const link = await readlink(pointer);
  const target = resolve(dirname(pointer), link);
  const rel = relative(join(folder, 'blobs'), target);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.includes(sep)) throw new Error(`${pointer} -> ${link} leaves blobs/`);
  return { commit, link, blob: rel, bytes: await readFile(pointer) };
}

function digestOfName(name: string, bytes: Buffer): string | undefined {
  if (/^[0-9a-f]{64}$/.test(name)) return createHash('sha256').update(bytes).digest('hex');
  if (/^[0-9a-f]{40}$/.test(name)) return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
  return undefined;
}

export interface CacheCheckOptions {
  /**
   * After a failed run a partial download may stay for the next run to resume, but only as a prefix of
   * the true content of its blob: this returns that content by etag. Without it any `.incomplete` is a problem.
   */
  partialOf?: (etag: string) => Buffer | undefined;
}

/**
 * What `hf cache verify` would object to, plus what a fail-closed fetch must never leave behind:
 * a blob whose bytes do not hash to its name (sha256, or git sha1 for regular files), an
 * `.incomplete` file, a snapshot entry that is not a relative symlink into the same repo's blobs/.
 */
export async function cacheProblems(cacheDir: string, options: CacheCheckOptions = {}): Promise<string[]> {
  if (!existsSync(cacheDir)) return [];
  const problems: string[] = [];
  for (const entry of await walk(cacheDir)) {
    const rel = relative(cacheDir, entry);
    if (!rel.endsWith('.incomplete')) continue;
    const whole = options.partialOf?.(basename(rel).split('.')[0] ?? '');
    const bytes = whole ? await readFile(entry) : undefined;
    if (!whole || !bytes || bytes.length > whole.length || !whole.subarray(0, bytes.length).equals(bytes)) problems.push(`left over: ${rel}`);
  }
  for (const folder of await readdir(cacheDir)) {
    if (!folder.startsWith('models--')) continue;
    const blobs = join(cacheDir, folder, 'blobs');
    if (existsSync(blobs)) {
      for (const name of await readdir(blobs)) {
        if (name.endsWith('.incomplete')) continue;
        const digest = digestOfName(name, await readFile(join(blobs, name)));
        if (digest === undefined) problems.push(`blob not named by a digest: ${folder}/blobs/${name}`);
        else if (digest !== name) problems.push(`blob does not match its name: ${folder}/blobs/${name}`);
      }
    }
    const snapshots = join(cacheDir, folder, 'snapshots');
    if (!existsSync(snapshots)) continue;
    for (const entry of await walk(snapshots)) {
      const info = await lstat(entry);
      if (info.isDirectory()) continue;
      const rel = relative(cacheDir, entry);
      if (!info.isSymbolicLink()) {
        problems.push(`not a symlink: ${rel}`);
        continue;
      }
      const link = await readlink(entry);
      const inside = relative(blobs, resolve(dirname(entry), link));
      if (isAbsolute(link)) problems.push(`absolute symlink: ${rel}`);
      if (inside.startsWith('..') || isAbsolute(inside) || inside.includes(sep) || !existsSync(join(blobs, inside))) problems.push(`symlink outside blobs/: ${rel} -> ${link}`);
    }
  }
  return problems;
}

/** Every path under `root` (not following symlinks), files and folders. */
export async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const abs = join(root, entry.name);
    out.push(abs);
    if (entry.isDirectory()) out.push(...(await walk(abs)));
  }
  return out;
}

/** Path -> kind and size of everything under `root`, to diff the file system around a run. */
export async function fsSnapshot(root: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  if (!existsSync(root)) return map;
  for (const abs of await walk(root)) {
    const info = await lstat(abs);
    map.set(relative(root, abs), info.isSymbolicLink() ? `link:${await readlink(abs)}` : info.isDirectory() ? 'dir' : `file:${info.size}`);
  }
  return map;
}

export async function fileContains(path: string, needle: string): Promise<boolean> {
  if (!existsSync(path) || !(await stat(path)).isFile()) return false;
  return (await readFile(path)).includes(needle);
}
