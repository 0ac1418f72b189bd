import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobPath, checkEtag, refPath, repoCache, snapshotFilePath, symlinkTarget } from '../../src/fetch/cache-layout.js';
import { defaultCacheDir, envTruthy, expandPath, hfHome } from '../../src/fetch/env.js';
import { FetchError } from '../../src/fetch/errors.js';
import { collisionKey, unsafePathReason, validateListing } from '../../src/fetch/paths.js';
import { parseRepoId } from '../../src/fetch/repo-id.js';
import { resolveToken } from '../../src/fetch/token.js';
import { cleanup, tempDir } from './helpers.js';

const segChar = fc.constantFrom(...'abcXYZ019_-. é漢'.split(''));
const segment = fc.array(segChar, { minLength: 1, maxLength: 12 }).map((a) => a.join('')).filter((s) => s !== '.' && s !== '..' && s.toLowerCase() !== '.git' && !/^[A-Za-z]:/.test(s));
const safePath = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof FetchError ? error.code : 'OTHER';
  }
}

describe('unsafePathReason', () => {
  it('accepts ordinary nested paths', () => {
    fc.assert(fc.property(safePath, (p) => unsafePathReason(p) === undefined));
  });

  it('rejects traversal, absolute, backslash, control characters, empty segments, drive letters and .git', () => {
    const hostile = fc.oneof(
      fc.tuple(safePath, safePath).map(([a, b]) => `${a}/../${b}`),
      safePath.map((p) => `../${p}`),
      safePath.map((p) => `/${p}`),
      fc.tuple(safePath, safePath).map(([a, b]) => `${a}\\${b}`),
      fc.tuple(safePath, fc.integer({ min: 0, max: 0x1f }), safePath).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`),
      fc.tuple(safePath, safePath).map(([a, b]) => `${a}//${b}`),
      safePath.map((p) => `${p}/`),
      safePath.map((p) => `./${p}`),
      safePath.map((p) => `C:${p}`),
      safePath.map((p) => `.GIT/${p}`),
      fc.constant(''),
      fc.constant('a\uD800b'),
      fc.constant('x'.repeat(256)),
    );
    fc.assert(fc.property(hostile, (p) => unsafePathReason(p) !== undefined));
  });

  it('agrees with path.resolve: an accepted path never leaves its base', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (p) => {
        if (unsafePathReason(p) !== undefined) return true;
        const base = '/cache/snap';
        return resolve(base, p).startsWith(`${base}/`);
      }),
    );
  });
});

describe('validateListing', () => {
  it('rejects names that collide after NFC + case folding', () => {
    expect(code(() => validateListing([{ path: 'A', type: 'file' }, { path: 'a', type: 'file' }]))).toBe('UNSAFE_PATH');
    expect(code(() => validateListing([{ path: 'caf\u00e9', type: 'file' }, { path: 'cafe\u0301', type: 'file' }]))).toBe('UNSAFE_PATH');
    expect(code(() => validateListing([{ path: 'STRASSE', type: 'file' }, { path: 'straße', type: 'file' }]))).toBe('UNSAFE_PATH');
    fc.assert(fc.property(safePath, (p) => code(() => validateListing([{ path: p, type: 'file' }, { path: p.toUpperCase(), type: 'file' }])) === 'UNSAFE_PATH'));
  });

  it('rejects a file that another file needs as a directory, in either order', () => {
    fc.assert(
      fc.property(safePath, segment, fc.boolean(), (dir, leaf, flip) => {
        const entries = [{ path: dir, type: 'file' as const }, { path: `${dir}/${leaf}`, type: 'file' as const }];
        return code(() => validateListing(flip ? entries.reverse() : entries)) === 'UNSAFE_PATH';
      }),
    );
    expect(code(() => validateListing([{ path: 'a', type: 'directory' }, { path: 'a', type: 'file' }]))).toBe('UNSAFE_PATH');
  });

  it('accepts any set of distinct safe paths with no file/directory overlap', () => {
    fc.assert(
      fc.property(fc.uniqueArray(safePath, { maxLength: 8, selector: collisionKey }), (paths) => {
        const keys = paths.map(collisionKey);
        fc.pre(!keys.some((k) => keys.some((o) => o.startsWith(`${k}/`))));
        return code(() => validateListing(paths.map((path) => ({ path, type: 'file' as const })))) === undefined;
      }),
    );
  });
});

describe('cache layout', () => {
  const rc = repoCache('/c', parseRepoId('org/name'));

  it('links every snapshot file to its blob with a relative target that resolves to the blob', () => {
    fc.assert(
      fc.property(safePath, fc.stringMatching(/^[0-9a-f]{64}$/), (p, etag) => {
        const link = snapshotFilePath(rc, 'c'.repeat(40), p);
        const blob = blobPath(rc, etag);
        const target = symlinkTarget(link, blob);
        expect(target).toBe(`${'../'.repeat(p.split('/').length + 1)}blobs/${etag}`);
        expect(resolve(join(link, '..'), target)).toBe(blob);
      }),
    );
  });

  it('nests refs/pr/1 and refuses etags that are not hex digests', () => {
    expect(refPath(rc, 'refs/pr/1')).toBe('/c/models--org--name/refs/refs/pr/1');
    expect(rc.locksDir).toBe('/c/.locks/models--org--name');
    for (const bad of ['../x', 'A'.repeat(40), 'a'.repeat(41), '']) expect(code(() => checkEtag(bad))).toBe('PROTOCOL');
  });
});

describe('environment', () => {
  it('resolves the cache dir in huggingface_hub order', () => {
    expect(defaultCacheDir({ HF_HUB_CACHE: '/x/hub', HF_HOME: '/h' }, '/home/u')).toBe('/x/hub');
    expect(defaultCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }, '/home/u')).toBe('/legacy');
    expect(defaultCacheDir({ HF_HOME: '/h' }, '/home/u')).toBe('/h/hub');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/xdg/huggingface/hub');
    expect(defaultCacheDir({}, '/home/u')).toBe('/home/u/.cache/huggingface/hub');
    expect(hfHome({ HF_HOME: '~/hf' }, '/home/u')).toBe('/home/u/hf');
    expect(expandPath('$ROOT/${SUB}/x/$NOPE', { ROOT: '/r', SUB: 's' })).toBe('/r/s/x/$NOPE');
  });

  it('reads truthy values as huggingface_hub does', () => {
    for (const v of ['1', 'on', 'YES', 'True']) expect(envTruthy(v)).toBe(true);
    for (const v of [undefined, '', '0', 'no', 'false', 'y']) expect(envTruthy(v)).toBe(false);
  });

  it('resolves the token: explicit, token file, HF_TOKEN, $HF_TOKEN_PATH, $HF_HOME/token', async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir, 'home'), { recursive: true });
      await writeFile(join(dir, 'home', 'token'), 'hf_stored\n');
      await writeFile(join(dir, 'path-token'), 'hf_path');
      await writeFile(join(dir, 'file-token'), '  hf_file  \n');
      const env = { HF_HOME: join(dir, 'home') };
      expect(await resolveToken({ token: null }, { ...env, HF_TOKEN: 'hf_env' })).toBeUndefined();
      expect(await resolveToken({ token: 'hf_explicit' }, env)).toBe('hf_explicit');
      expect(await resolveToken({ tokenFile: join(dir, 'file-token') }, { ...env, HF_TOKEN: 'hf_env' })).toBe('hf_file');
      expect(await resolveToken({}, { ...env, HF_TOKEN: 'hf_env' })).toBe('hf_env');
      expect(await resolveToken({}, { ...env, HF_TOKEN_PATH: join(dir, 'path-token') })).toBe('hf_path');
      expect(await resolveToken({}, env)).toBe('hf_stored');
      expect(await resolveToken({}, { ...env, HF_HUB_DISABLE_IMPLICIT_TOKEN: '1', HF_TOKEN: 'hf_env' })).toBeUndefined();
      expect(await resolveToken({}, { HF_HOME: join(dir, 'none') })).toBeUndefined();
      await expect(resolveToken({ tokenFile: join(dir, 'missing') }, env)).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
      await expect(resolveToken({ token: 'hf_a\r\nX-Evil: 1' }, env)).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
      const e = await resolveToken({ token: 'hf_sec ret' }, env).catch((error: Error) => error);
      expect(String((e as Error).message)).not.toContain('hf_sec');
    } finally {
      await cleanup(dir);
    }
  });
});
