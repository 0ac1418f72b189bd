import { FetchError } from './errors.js';
import { SHA1_HEX, SHA256_HEX } from './hash.js';

/** One file of a commit's tree, as the `/tree` API lists it, after strict validation. */
export interface TreeFile {
  path: string;
  size: number;
  /** Git blob sha1: the content's for regular files, the pointer file's for LFS files. */
  oid: string;
  lfs?: { sha256: string; size: number; pointerSize: number | undefined };
}

export interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  file?: TreeFile;
}

/** The blob name and digest the content must match: `lfs.oid` (sha256) for LFS files, `oid` (git sha1) otherwise. */
export function expectedEtag(file: TreeFile): string {
  return file.lfs ? file.lfs.sha256 : file.oid;
}

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Validates one element of a `/tree` page; anything off-shape is PROTOCOL (the path itself is checked later). */
export function parseTreeEntry(raw: unknown): TreeEntry {
  const fail = (why: string): never => {
    throw new FetchError('PROTOCOL', `hub tree listing has a malformed entry: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('not an object');
  const entry = raw as Record<string, unknown>;
  if (typeof entry.path !== 'string') return fail('path is not a string');
  const path = entry.path;
  if (entry.type === 'directory') return { type: 'directory', path };
  if (entry.type !== 'file') return fail(`unknown type ${JSON.stringify(String(entry.type).slice(0, 40))}`);
  if (!isSize(entry.size)) return fail('size is not a non-negative integer');
  if (typeof entry.oid !== 'string' || !SHA1_HEX.test(entry.oid)) return fail('oid is not a git sha1');
  const file: TreeFile = { path, size: entry.size, oid: entry.oid };
  if (entry.lfs !== undefined && entry.lfs !== null) {
    const lfs = entry.lfs as Record<string, unknown>;
    if (typeof lfs !== 'object' || typeof lfs.oid !== 'string' || !SHA256_HEX.test(lfs.oid)) return fail('lfs.oid is not a sha256');
    if (!isSize(lfs.size) || lfs.size !== entry.size) return fail('lfs.size does not match size');
    if (lfs.pointerSize !== undefined && !isSize(lfs.pointerSize)) return fail('lfs.pointerSize is not an integer');
    file.lfs = { sha256: lfs.oid, size: lfs.size, pointerSize: lfs.pointerSize as number | undefined };
  }
  return { type: 'file', path, file };
}
