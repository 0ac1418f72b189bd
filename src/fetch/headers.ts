import { FetchError } from './errors.js';

export type HeaderValue = string | string[] | undefined;
export type Headers = Record<string, HeaderValue>;

/** One header value; a header repeated with different values is a protocol error, not a choice. */
export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const distinct = [...new Set(value)];
    if (distinct.length > 1) throw new FetchError('PROTOCOL', `hub sent conflicting ${name} headers`);
    return distinct[0];
  }
  return value;
}

/** `W/"abc"` -> `abc`, as huggingface_hub normalises ETag and X-Linked-Etag. */
export function normalizeEtag(value: string): string {
  return value.trim().replace(/^W\//, '').replace(/"/g, '');
}

/** A non-negative decimal size header (Content-Length, X-Linked-Size); undefined when malformed. */
export function parseSize(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,16}\s*$/.test(value)) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface ContentRange {
  start: number;
  end: number;
  total: number | undefined;
}

/** `bytes 10-99/100` (total may be `*`); undefined when it is not that shape or is inconsistent. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const m = value === undefined ? null : /^\s*bytes\s+(\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)\s*$/i.exec(value);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (end < start || (total !== undefined && end >= total)) return undefined;
  return { start, end, total };
}

/**
 * Retry-After in milliseconds: delta-seconds or an HTTP date (relative to `now`), capped at `capMs`.
 * Undefined when absent or malformed.
 */
export function parseRetryAfter(value: string | undefined, capMs: number, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, capMs);
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), capMs);
}

/**
 * The `rel="next"` target of an RFC 8288 Link header, resolved against `base`. Parses the header as a
 * comma-separated list of `<uri>; params`, respecting quoted strings (a `,` inside quotes is not a separator).
 */
export function parseNextLink(value: string | undefined, base: string): string | undefined {
  if (value === undefined) return undefined;
  for (const link of splitLinks(value)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/s.exec(link);
    if (!m) continue;
    const params = m[2] ?? '';
    const rels = [...params.matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/gi)].flatMap((r) => (r[1] ?? r[2] ?? '').toLowerCase().split(/\s+/));
    if (!rels.includes('next')) continue;
    try {
      return new URL(m[1] ?? '', base).toString();
    } catch {
      throw new FetchError('PROTOCOL', 'hub sent a malformed Link header');
    }
  }
  return undefined;
}

function splitLinks(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let inQuote = false;
  let inUri = false;
  for (const ch of value) {
    if (ch === '"' && !inUri) inQuote = !inQuote;
    else if (ch === '<' && !inQuote) inUri = true;
    else if (ch === '>' && !inQuote) inUri = false;
    if (ch === ',' && !inQuote && !inUri) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}
