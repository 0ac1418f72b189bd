import { FetchError } from './errors.js';

const MAX_PATH_BYTES = 4096;
const MAX_SEGMENT_BYTES = 255;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a single repository path is unsafe to create under a snapshot folder, or undefined when it is
 * safe. Repository paths come from the hub and are hostile until proven otherwise.
 */
export function unsafePathReason(path: string): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'empty path';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return 'path too long';
  if (LONE_SURROGATE.test(path)) return 'not valid Unicode';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return 'control character';
  if (path.includes('\\')) return 'backslash';
  if (path.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(path)) return 'drive letter';
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty segment';
    if (segment === '.' || segment === '..') return `'${segment}' segment`;
    if (segment.toLowerCase() === '.git') return "'.git' segment";
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) return 'segment too long';
  }
  return undefined;
}

/** NFC + full-ish case folding: two paths with one key land on one file on macOS/Windows file systems. */
export function collisionKey(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

export interface ListedPath {
  path: string;
  type: 'file' | 'directory';
}

/**
 * Validates a whole listing before anything is written: every path on its own, then collisions
 * after normalisation, and files that another file needs as a directory (`a` and `a/b`).
 * Throws UNSAFE_PATH naming the first offending path.
 */
export function validateListing(entries: readonly ListedPath[]): void {
  const files = new Map<string, string>();
  const dirs = new Map<string, string>();
  for (const entry of entries) {
    const reason = unsafePathReason(entry.path);
    if (reason) throw unsafe(entry.path, reason);
  }
  for (const entry of entries) {
    const key = collisionKey(entry.path);
    if (entry.type === 'file') {
      const other = files.get(key) ?? dirs.get(key);
      if (other !== undefined) throw unsafe(entry.path, `collides with ${JSON.stringify(other)}`);
      files.set(key, entry.path);
    } else if (!dirs.has(key)) {
      const other = files.get(key);
      if (other !== undefined) throw unsafe(entry.path, `collides with file ${JSON.stringify(other)}`);
      dirs.set(key, entry.path);
    }
  }
  for (const [key, path] of files) {
    const segments = key.split('/');
    for (let i = 1; i < segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const other = files.get(prefix);
      if (other !== undefined) throw unsafe(path, `needs ${JSON.stringify(other)} to be a directory`);
    }
  }
}

function unsafe(path: string, reason: string): FetchError {
  return new FetchError('UNSAFE_PATH', `unsafe file name from the hub ${JSON.stringify(path.slice(0, 200))}: ${reason}`, { file: path });
}
