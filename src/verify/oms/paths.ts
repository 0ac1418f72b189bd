/** Code-point order (Python str comparison), not UTF-16 code-unit order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only a surrogate against a unit >= 0xE000 orders differently by code point than by code unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Python PurePosixPath ordering: segment by segment, a path before any path it is a prefix of. */
export function compareOmsPaths(a: string, b: string): number {
  if (a === b) return 0;
  const as = a.split('/');
  const bs = b.split('/');
  const n = Math.min(as.length, bs.length);
  for (let i = 0; i < n; i++) {
    const c = compareCodePoints(as[i]!, bs[i]!);
    if (c !== 0) return c;
  }
  return as.length === bs.length ? 0 : as.length < bs.length ? -1 : 1;
}

/**
 * Why a manifest path from a signature is unsafe to resolve under the model root, or null when it is
 * fine. "." is the single-file model. Names are hostile input (model_signing PR #647).
 */
export function unsafePathReason(path: string): string | null {
  if (path === '.') return null;
  if (path === '') return 'empty path';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.startsWith('/')) return 'absolute path';
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty path segment';
    if (segment === '.' || segment === '..') return `"${segment}" segment`;
  }
  return null;
}

export interface ShardName {
  path: string;
  start: number;
  end: number;
}

/** `<path>:<start>:<end>`; the path is everything before the last two colons. */
export function parseShardName(name: string): ShardName | null {
  const last = name.lastIndexOf(':');
  const mid = last > 0 ? name.lastIndexOf(':', last - 1) : -1;
  if (mid <= 0) return null;
  const startText = name.slice(mid + 1, last);
  const endText = name.slice(last + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(startText) || !/^(0|[1-9][0-9]*)$/.test(endText)) return null;
  const start = Number(startText);
  const end = Number(endText);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) return null;
  return { path: name.slice(0, mid), start, end };
}

export function shardName(s: ShardName): string {
  return `${s.path}:${s.start}:${s.end}`;
}

export function compareShards(a: ShardName, b: ShardName): number {
  return compareOmsPaths(a.path, b.path) || a.start - b.start || a.end - b.end;
}

/** True when `path` is `prefix` or lies under it (component-prefix, like Path.is_relative_to). */
export function isUnderPath(path: string, prefix: string): boolean {
  if (prefix === '' || prefix === '.') return false; // never "ignore everything"
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : prefix + '/');
}

/** A file name for a one-line message: quoted, control characters escaped, bounded. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 200 ? name.slice(0, 200) + '…' : name);
}
