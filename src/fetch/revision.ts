import { FetchError } from './errors.js';

const COMMIT = /^[0-9a-f]{40}$/;

/** A full commit sha as the Python client recognises it (lower-case hex only). */
export function isCommitSha(value: string): boolean {
  return COMMIT.test(value);
}

/**
 * Validates a branch, tag, `refs/pr/N` or commit. The revision names a file under `refs/` in the
 * cache, so it gets the same treatment as a hostile path: no `..`, no empty or dot segments, no
 * control characters or backslashes, plus git's ref-name rules that matter here.
 */
export function validateRevision(revision: string): string {
  const fail = (why: string): never => {
    throw new FetchError('INVALID_REPO_ID', `invalid revision ${JSON.stringify(revision.slice(0, 120))}: ${why}`);
  };
  if (typeof revision !== 'string' || revision.length === 0) fail('empty');
  if (revision.length > 255) fail('longer than 255 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\~^:?*[]/.test(revision)) fail('contains a control, space or special character');
  if (revision.includes('@{')) fail("contains '@{'");
  for (const segment of revision.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') fail('has an empty, . or .. segment');
    if (segment.startsWith('.') || segment.endsWith('.lock') || segment.endsWith('.')) fail("a segment starts with '.' or ends with '.' or '.lock'");
  }
  return revision;
}

/** Python's `quote(revision, safe="")`: every byte outside [A-Za-z0-9_.~-] is percent-encoded. */
export function encodeRevision(revision: string): string {
  return strictQuote(revision, '');
}

/** Python's `urllib.parse.quote(value, safe)`: UTF-8 percent-encoding with upper-case hex. */
export function strictQuote(value: string, safe: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(ch) || (byte < 0x80 && safe.includes(ch))) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
