import { readFile } from 'node:fs/promises';
import { FetchError } from './errors.js';
import { SHA1_HEX, SHA256_HEX } from './hash.js';
import type { TreeFile } from './tree.js';

/**
 * `trees/<commit>.json`, exactly as huggingface_hub >= 1.22 writes it (`json.dump(indent=1)`, ASCII
 * escapes, keys sorted by code point), so Python and offline runs know the commit's complete file list.
 */
export function serializeTreeCache(files: readonly TreeFile[]): string {
  const sorted = [...files].sort((a, b) => compareCodePoints(a.path, b.path));
  if (sorted.length === 0) return '{\n "format_version": 1,\n "files": {}\n}';
  const entries = sorted.map((f) => {
    const fields = [`   "size": ${f.size}`, `   "blob_id": ${pyString(f.oid)}`];
    if (f.lfs) fields.push(`   "lfs_sha256": ${pyString(f.lfs.sha256)}`, `   "lfs_size": ${f.lfs.size}`);
    return `  ${pyString(f.path)}: {\n${fields.join(',\n')}\n  }`;
  });
  return `{\n "format_version": 1,\n "files": {\n${entries.join(',\n')}\n }\n}`;
}

export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Python's `json.dumps(s)` with ensure_ascii: short escapes, `\uXXXX` (lower-case) for the rest outside space..~. */
export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Reads a tree cache; undefined when absent or of another format version (as Python ignores it). */
export async function readTreeCache(path: string): Promise<TreeFile[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FetchError('CACHE_CORRUPT', `cache: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const corrupt = (why: string) => new FetchError('CACHE_CORRUPT', `cache: tree listing ${path} is corrupt: ${why}`);
  let data: { format_version?: unknown; files?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    throw corrupt('invalid JSON');
  }
  if (typeof data !== 'object' || data === null) throw corrupt('not an object');
  if (data.format_version !== 1) return undefined;
  if (typeof data.files !== 'object' || data.files === null || Array.isArray(data.files)) throw corrupt('no files');
  return Object.entries(data.files as Record<string, unknown>).map(([path, raw]) => {
    const info = raw as { size?: unknown; blob_id?: unknown; lfs_sha256?: unknown; lfs_size?: unknown };
    if (typeof info !== 'object' || info === null || !Number.isSafeInteger(info.size) || (info.size as number) < 0) throw corrupt(`bad size for ${JSON.stringify(path.slice(0, 100))}`);
    if (typeof info.blob_id !== 'string' || !SHA1_HEX.test(info.blob_id)) throw corrupt(`bad blob_id for ${JSON.stringify(path.slice(0, 100))}`);
    const file: TreeFile = { path, size: info.size as number, oid: info.blob_id };
    if (info.lfs_sha256 !== undefined && info.lfs_sha256 !== null) {
      if (typeof info.lfs_sha256 !== 'string' || !SHA256_HEX.test(info.lfs_sha256)) throw corrupt(`bad lfs_sha256 for ${JSON.stringify(path.slice(0, 100))}`);
      file.lfs = { sha256: info.lfs_sha256, size: file.size, pointerSize: undefined };
    }
    return file;
  });
}
