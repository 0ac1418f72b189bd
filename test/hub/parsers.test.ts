import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gitBlobSha1, otherDigest } from './hashes.js';
import { decodeCursor, encodeCursor, formatLinkNext, parseLinkNext } from './link.js';
import { parseRange } from './range.js';
import { encodeRepoPath, parseRoute, resolvePath, strictEncode, treePath } from './routes.js';
import { signCdnPath, verifyCdnUrl, type CdnGrant } from './signing.js';

const unicode = (minLength = 0) => fc.string({ unit: 'grapheme', minLength, maxLength: 12 });
const segment = unicode(1).filter((s) => !s.includes('/'));
const repoPart = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,10}$/);
const repoId = fc.tuple(repoPart, repoPart).map(([o, n]) => `${o}/${n}`);
const repoPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

describe('parseRange', () => {
  const size = fc.integer({ min: 0, max: 1 << 30 });

  it('bytes=a-b: start a, end clamped to the last byte; unsatisfiable from the end on', () => {
    fc.assert(
      fc.property(size, fc.nat(), fc.nat(), (n, a, extra) => {
        const b = a + extra;
        const r = parseRange(`bytes=${a}-${b}`, n);
        if (a >= n) expect(r).toEqual({ kind: 'unsatisfiable' });
        else expect(r).toEqual({ kind: 'partial', start: a, end: Math.min(b, n - 1) });
      }),
    );
  });

  it('bytes=a-: to the end; bytes=-k: the last k bytes', () => {
    fc.assert(
      fc.property(size, fc.nat(), (n, a) => {
        expect(parseRange(`bytes=${a}-`, n)).toEqual(a >= n ? { kind: 'unsatisfiable' } : { kind: 'partial', start: a, end: n - 1 });
        const suffix = parseRange(`bytes=-${a}`, n);
        expect(suffix).toEqual(a === 0 || n === 0 ? { kind: 'unsatisfiable' } : { kind: 'partial', start: Math.max(0, n - a), end: n - 1 });
      }),
    );
  });

  it('never throws, and anything it serves is inside the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('bytes=', 'bytes=-', 'bytes=5-3', 'bytes=0-1,3-4', 'items=0-1', ' bytes=1-2 ')), size, (header, n) => {
        const r = parseRange(header, n);
        if (r.kind === 'partial') {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeGreaterThanOrEqual(r.start);
          expect(r.end).toBeLessThan(n);
        }
      }),
    );
    expect(parseRange('bytes=5-3', 10)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-1,3-4', 10)).toEqual({ kind: 'full' });
    expect(parseRange(undefined, 10)).toEqual({ kind: 'full' });
  });
});

describe('Link rel="next"', () => {
  it('round-trips any URL, among other links and parameters', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), fc.webUrl(), (next, prev) => {
        expect(parseLinkNext(formatLinkNext(next))).toBe(next);
        expect(parseLinkNext(`<${prev}>; rel="prev", ${formatLinkNext(next)}; title="x"`)).toBe(next);
        expect(parseLinkNext(`<${prev}>; rel="prev"`)).toBeUndefined();
      }),
    );
  });

  it('never throws on garbage', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseLinkNext(s)));
  });

  it('cursors round-trip; anything else decodes to undefined or a valid offset', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(decodeCursor(encodeCursor(n))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const o = decodeCursor(s);
        if (o !== undefined) expect(Number.isSafeInteger(o) && o >= 0).toBe(true);
      }),
    );
  });
});

describe('routes', () => {
  it('strictEncode leaves only unreserved characters and escapes, which URL parsing keeps as they are', () => {
    fc.assert(
      fc.property(unicode(), (s) => {
        const e = strictEncode(s);
        expect(e).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(e)).toBe(s);
        // "." and ".." are dot segments: URL parsing removes them by design (revisions are validated before use).
        if (e !== '.' && e !== '..') expect(new URL(`http://h/${e}?q=${e}`).href).toBe(`http://h/${e}?q=${e}`);
      }),
    );
  });

  it('parses back what resolvePath and treePath build, for any revision and path', () => {
    fc.assert(
      fc.property(repoId, segment, repoPath, (repo, revision, path) => {
        expect(parseRoute(resolvePath(repo, revision, path))).toEqual({ kind: 'resolve', repo, revision, path });
        expect(parseRoute(treePath(repo, revision, path))).toEqual({ kind: 'tree', repo, revision, path });
        expect(parseRoute(`/api/models/${repo}/revision/${strictEncode(revision)}`)).toEqual({ kind: 'repo-info', repo, revision });
        expect(parseRoute(`/api/models/${repo}/paths-info/${strictEncode(revision)}`)).toEqual({ kind: 'paths-info', repo, revision });
      }),
    );
  });

  it('never throws except URIError on a bad escape', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseRoute(`/${s}`);
        } catch (error) {
          expect(error).toBeInstanceOf(URIError);
        }
      }),
    );
    expect(() => parseRoute('/a/b/resolve/main/%E0%A4%A')).toThrow(URIError);
    expect(encodeRepoPath('a b/c')).toBe('a%20b/c');
  });
});

describe('signed CDN URLs', () => {
  const secret = randomBytes(32);
  const grant = fc.record({
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    repo: repoId,
    file: repoPath,
    expires: fc.integer({ min: 1_000, max: 2 ** 40 }),
  });
  const verify = (g: CdnGrant, url: string, now = g.expires, key = secret) => verifyCdnUrl(key, new URL(url, 'http://127.0.0.1:1'), now);

  it('verifies what it signed, and refuses it after expiry or under another key', () => {
    fc.assert(
      fc.property(grant, (g) => {
        const url = signCdnPath(secret, g);
        expect(verify(g, url)).toEqual(g);
        expect(verify(g, url, g.expires + 1)).toBeUndefined();
        expect(verify(g, url, g.expires, randomBytes(32))).toBeUndefined();
      }),
    );
  });

  it('refuses any one-character change that alters what the URL grants', () => {
    fc.assert(
      fc.property(grant, fc.nat(), fc.constantFrom(...'0123456789abcdefXYZ%&=/'), (g, at, ch) => {
        const url = signCdnPath(secret, g);
        const i = at % url.length;
        const mutated = url.slice(0, i) + ch + url.slice(i + 1);
        let parsed: URL | undefined;
        try {
          parsed = new URL(mutated, 'http://127.0.0.1:1');
        } catch {
          return;
        }
        const result = verifyCdnUrl(secret, parsed, g.expires);
        // An edit can only survive if it decodes to the same signed values (e.g. %2f for %2F).
        if (result !== undefined) expect(result).toEqual(g);
      }),
    );
  });
});

describe('digests', () => {
  it('gitBlobSha1 matches git hash-object', () => {
    expect(gitBlobSha1(Buffer.alloc(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(gitBlobSha1(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('otherDigest is a different digest of the same shape', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/), (hex) => {
        const other = otherDigest(hex);
        expect(other).not.toBe(hex);
        expect(other).toHaveLength(hex.length);
        expect(other).toMatch(/^[0-9a-f]+$/);
      }),
    );
  });
});
