import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableStatus } from '../../src/fetch/backoff.js';
import { FetchError, oneLine, redactError } from '../../src/fetch/errors.js';
import { normalizeEtag, parseContentRange, parseNextLink, parseRetryAfter, parseSize } from '../../src/fetch/headers.js';
import { parseRepoId, repoFolderName } from '../../src/fetch/repo-id.js';
import { encodeRevision, isCommitSha, strictQuote, validateRevision } from '../../src/fetch/revision.js';
import { normalizeEndpoint, quotePath, resolveUrl, sameOrigin } from '../../src/fetch/urls.js';

const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.'.split(''));
const word = fc.constantFrom(...'abcXYZ019_'.split(''));
const part = fc.tuple(word, fc.array(nameChar, { maxLength: 20 }), word).map(([a, m, b]) => a + m.join('') + b);

function throwsCode(fn: () => unknown, code: string): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    return error instanceof FetchError && error.code === code;
  }
}

describe('parseRepoId', () => {
  it('accepts org/name ids made of allowed characters and maps them to models--org--name', () => {
    fc.assert(
      fc.property(part, part, (org, name) => {
        fc.pre(!`${org}/${name}`.includes('--') && !`${org}/${name}`.includes('..') && !name.endsWith('.git'));
        const repo = parseRepoId(`${org}/${name}`);
        expect(repoFolderName(repo)).toBe(`models--${org}--${name}`);
      }),
    );
  });

  it('rejects any id containing -- or .., a leading/trailing - or ., extra slashes, or other characters', () => {
    const bad = fc.oneof(
      fc.tuple(part, part).map(([a, b]) => `${a}--${b}`),
      fc.tuple(part, part).map(([a, b]) => `${a}/..${b}`),
      part.map((p) => `-${p}`),
      part.map((p) => `${p}.`),
      fc.tuple(part, part, part).map(([a, b, c]) => `${a}/${b}/${c}`),
      fc.tuple(part, fc.constantFrom(' ', '/', '\\', '%', '\u00e9', '\u0000', ':', '@')).map(([p, c]) => `x/${p}${c}y`.replace('//', '/%')),
      fc.constant(`a/${'b'.repeat(97)}`),
      fc.constant('a/model.git'),
      fc.constant(''),
    );
    fc.assert(fc.property(bad, (id) => throwsCode(() => parseRepoId(id), 'INVALID_REPO_ID')));
  });
});

describe('revisions and quoting', () => {
  it('quote() output is reversible by decodeURIComponent and only holds unreserved characters, % and the safe set', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const q = strictQuote(s, '/');
        expect(q).toMatch(/^[A-Za-z0-9_.~\-/%]*$/);
        expect(decodeURIComponent(q)).toBe(s);
        expect(encodeRevision(s)).not.toContain('/');
      }),
    );
  });

  it('encodes refs/pr/1 as refs%2Fpr%2F1 and keeps slashes in file paths', () => {
    expect(encodeRevision('refs/pr/1')).toBe('refs%2Fpr%2F1');
    expect(quotePath('sub dir/a+b.bin')).toBe('sub%20dir/a%2Bb.bin');
    expect(resolveUrl('http://h', parseRepoId('o/n'), 'a'.repeat(40), 'x/y z')).toBe(`http://h/o/n/resolve/${'a'.repeat(40)}/x/y%20z`);
  });

  it('validates revisions like hostile paths', () => {
    for (const ok of ['main', 'v1.0', 'refs/pr/1', 'feature/x-y_z', 'a'.repeat(40)]) expect(validateRevision(ok)).toBe(ok);
    for (const bad of ['', '../x', 'a//b', '/main', 'main/', 'a\\b', 'a b', 'x/./y', '.hidden', 'a\u0000b', 'a:b', 'x.lock', 'x@{1}']) {
      expect(throwsCode(() => validateRevision(bad), 'INVALID_REPO_ID')).toBe(true);
    }
    fc.assert(fc.property(fc.string(), (s) => isCommitSha(s) === /^[0-9a-f]{40}$/.test(s)));
  });
});

describe('endpoints and origins', () => {
  it('strips trailing slashes and refuses credentials, queries and non-HTTP schemes', () => {
    expect(normalizeEndpoint('http://127.0.0.1:8080///')).toBe('http://127.0.0.1:8080');
    expect(normalizeEndpoint('https://mirror.example/hf/')).toBe('https://mirror.example/hf');
    for (const bad of ['ftp://x', 'http://u:p@x', 'http://x/?q=1', 'http://x/#f', 'not a url']) expect(throwsCode(() => normalizeEndpoint(bad), 'PROTOCOL')).toBe(true);
  });

  it('treats only an exact scheme+host+port match as the same origin', () => {
    const port = fc.integer({ min: 1, max: 65535 });
    fc.assert(
      fc.property(port, port, fc.constantFrom('http', 'https'), fc.constantFrom('http', 'https'), (p1, p2, s1, s2) => {
        const same = sameOrigin(`${s1}://127.0.0.1:${p1}/a`, `${s2}://127.0.0.1:${p2}/b?x`);
        const d1 = (s1 === 'http' && p1 === 80) || (s1 === 'https' && p1 === 443) ? '' : p1;
        const d2 = (s2 === 'http' && p2 === 80) || (s2 === 'https' && p2 === 443) ? '' : p2;
        expect(same).toBe(s1 === s2 && d1 === d2);
      }),
    );
    expect(sameOrigin('http://127.0.0.1:1/', 'http://localhost:1/')).toBe(false);
  });
});

describe('header parsers', () => {
  it('normalizeEtag strips W/ and quotes', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{40}$/), fc.boolean(), (hex, weak) => normalizeEtag(`${weak ? 'W/' : ''}"${hex}"`) === hex));
  });

  it('parseSize accepts only plain non-negative safe integers', () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => parseSize(String(n)) === n));
    for (const bad of ['-1', '1.5', '1e3', '', 'abc', '0x10', '99999999999999999']) expect(parseSize(bad)).toBeUndefined();
  });

  it('parseContentRange round-trips a consistent range and rejects inconsistent ones', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e12 }), fc.nat({ max: 1e12 }), fc.nat({ max: 1e12 }), (a, b, c) => {
        const [start, end, total] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        const parsed = parseContentRange(`bytes ${start}-${end}/${total}`);
        if (end < total) expect(parsed).toEqual({ start, end, total });
        else expect(parsed).toBeUndefined();
        expect(parseContentRange(`bytes ${end + 1}-${start}/${total}`)).toBeUndefined();
      }),
    );
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, end: 9, total: undefined });
    expect(parseContentRange('items 0-9/10')).toBeUndefined();
  });

  it('parseRetryAfter reads seconds or a date and caps both', () => {
    fc.assert(fc.property(fc.nat({ max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), (s, cap) => parseRetryAfter(String(s), cap) === Math.min(s * 1000, cap)));
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', 60_000, now)).toBe(5000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', 1000, now)).toBe(1000);
    expect(parseRetryAfter('soon', 1000)).toBeUndefined();
    expect(parseRetryAfter('-3', 1000)).toBeUndefined();
  });

  it('parseNextLink finds rel=next among several links, with quoted commas and relative targets', () => {
    const base = 'http://127.0.0.1:9/api/models/o/n/tree/x?recursive=true';
    const uri = fc.webPath().map((p) => `http://127.0.0.1:9${p.startsWith('/') ? p : `/${p}`}?cursor=abc`);
    fc.assert(
      fc.property(uri, uri, fc.constantFrom('"next"', 'next', '"prev next"', 'NEXT'), (prev, next, rel) => {
        const header = `<${prev}>; rel="prev"; title="a, b", <${next}>; rel=${rel}`;
        expect(parseNextLink(header, base)).toBe(new URL(next).toString());
      }),
    );
    expect(parseNextLink('</api/next?page=2>; rel="next"', base)).toBe('http://127.0.0.1:9/api/next?page=2');
    expect(parseNextLink('<http://x/1>; rel="last"', base)).toBeUndefined();
    expect(parseNextLink(undefined, base)).toBeUndefined();
    fc.assert(fc.property(fc.string(), (s) => {
      try {
        const r = parseNextLink(s, base);
        return r === undefined || typeof r === 'string';
      } catch (error) {
        return error instanceof FetchError && error.code === 'PROTOCOL';
      }
    }));
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap and lets Retry-After win (capped)', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(DEFAULT_BACKOFF, a))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.option(fc.nat({ max: 1e7 }), { nil: undefined }), (attempt, after) => {
        const d = backoffDelay(DEFAULT_BACKOFF, attempt, after);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(after === undefined ? DEFAULT_BACKOFF.maxMs : DEFAULT_BACKOFF.retryAfterCapMs);
      }),
    );
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 416, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe('errors', () => {
  it('keep messages on one line and can scrub a secret from message and cause', () => {
    fc.assert(fc.property(fc.string(), (s) => !/[\n\r]/.test(oneLine(s))));
    const secret = 'hf_abcdefabcdef';
    const e = new FetchError('HTTP', `boom ${secret}\nsecond line`, { cause: new Error(`inner ${secret}`) });
    expect(e.message).not.toMatch(/\n/);
    const clean = redactError(e, secret);
    expect(clean.message).not.toContain(secret);
    expect(clean.cause).toBeUndefined();
    expect(clean.code).toBe('HTTP');
    const untouched = new FetchError('HTTP', 'fine', { cause: new Error('fine') });
    expect(redactError(untouched, secret)).toBe(untouched);
    expect(redactError(new FetchError('HTTP', 'x', { cause: new Error(`in cause ${secret}`) }), secret).cause).toBeUndefined();
  });
});
