import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureError, compareOmsPaths, verifyDsseBundle, verifyModelSignature, type SignatureTrust } from '../../src/verify/oms/index.js';
import { pythonBytesRepr } from '../../src/verify/oms/pae.js';
import { FILES_SHA256, keyBundle, statementFor } from './support/oms-sign.js';
import { KEYS, SIGSTORE_IDENTITY, SIGSTORE_ISSUER, VECTORS } from './vectors.js';

/** Python's rule, written the slow obvious way: lists of segments, each a list of code points. */
function pythonOrder(a: string, b: string): number {
  const seg = (p: string) => p.split('/').map((s) => [...s].map((c) => c.codePointAt(0)!));
  const x = seg(a);
  const y = seg(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    for (let j = 0; j < Math.min(p.length, q.length); j++) if (p[j] !== q[j]) return p[j]! < q[j]! ? -1 : 1;
    if (p.length !== q.length) return p.length < q.length ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

const pathChar = fc.constantFrom('a', 'b', '0', '.', '-', ' ', '/', '\u00e9', '\uE000', '\uFFFD', '\u{1F600}', '\u{10FFFF}');
const pathArb = fc.array(pathChar, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));

describe('compareOmsPaths', () => {
  it('matches the examples of the format notes', () => {
    const sorted = ['a0', 'a.txt', 'a-c', 'a b', 'a/b.txt', 'a/b/c', 'a/b'].sort(compareOmsPaths);
    expect(sorted).toEqual(['a/b', 'a/b/c', 'a/b.txt', 'a b', 'a-c', 'a.txt', 'a0']);
  });

  it('agrees with the Python rule and is a total order', () => {
    fc.assert(
      fc.property(pathArb, pathArb, pathArb, (a, b, c) => {
        expect(Math.sign(compareOmsPaths(a, b))).toBe(pythonOrder(a, b));
        expect(Math.sign(compareOmsPaths(a, b)) + Math.sign(compareOmsPaths(b, a))).toBe(0);
        if (compareOmsPaths(a, b) <= 0 && compareOmsPaths(b, c) <= 0) expect(compareOmsPaths(a, c)).toBeLessThanOrEqual(0);
        expect(compareOmsPaths(a, a)).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('pythonBytesRepr', () => {
  it('writes what Python writes', () => {
    const r = (s: string | number[]) => pythonBytesRepr(typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s));
    expect(r('abc')).toBe("b'abc'");
    expect(r("it's")).toBe(`b"it's"`);
    expect(r(`it's "q"`)).toBe(`b'it\\'s "q"'`);
    expect(r('a\\b\n\r\t')).toBe("b'a\\\\b\\n\\r\\t'");
    expect(r([0, 0x1f, 0x7f, 0x80, 0xff])).toBe("b'\\x00\\x1f\\x7f\\x80\\xff'");
  });
});

const SIG_TRUST: SignatureTrust = {
  sigstore: { identities: [{ identity: SIGSTORE_IDENTITY, issuer: SIGSTORE_ISSUER }] },
  publicKeyPaths: [join(KEYS, 'signing-key-pub.pem')],
  certificateChainPaths: [join(KEYS, 'ca-cert.pem')],
};

interface Rng {
  nextInt(min: number, max: number): number;
}

/** mulberry32: a seeded generator, so fast-check's seed replays a failure. */
function rng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    nextInt(min, max) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const x = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      return min + Math.floor(x * (max - min + 1));
    },
  };
}

/** Random edits to a JSON value: replace, delete or add at a random place. */
function mutate(value: unknown, rand: Rng, depth = 0): unknown {
  const pick = rand.nextInt(0, 9);
  if (value && typeof value === 'object' && depth < 6 && pick < 7) {
    if (Array.isArray(value)) {
      if (value.length === 0 || pick === 6) return [...value, weird(rand)];
      const i = rand.nextInt(0, value.length - 1);
      const copy = [...value];
      if (pick === 5) copy.splice(i, 1);
      else copy[i] = mutate(copy[i], rand, depth + 1);
      return copy;
    }
    const keys = Object.keys(value);
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (keys.length === 0 || pick === 6) copy[['mediaType', 'hint', 'rawBytes', 'x', 'tlogEntries', 'signatures'][rand.nextInt(0, 5)]!] = weird(rand);
    else {
      const k = keys[rand.nextInt(0, keys.length - 1)]!;
      if (pick === 5) delete copy[k];
      else copy[k] = mutate(copy[k], rand, depth + 1);
    }
    return copy;
  }
  if (typeof value === 'string' && value.length > 0 && pick < 8) {
    const chars = [...value];
    chars[rand.nextInt(0, chars.length - 1)] = String.fromCharCode(rand.nextInt(32, 126));
    return chars.join('');
  }
  return weird(rand);
}

function weird(rand: Rng): unknown {
  return [null, 0, -1, 1e308, '', 'AAAA', true, [], {}, 'a'.repeat(1000), [null], { rawBytes: 'AAAA' }][rand.nextInt(0, 11)];
}

describe('verification never crashes on hostile bundles', () => {
  const vectors = ['v1.1.0-elliptic-key', 'v1.0.1-elliptic-key', 'v1.1.0-certificate', 'v0.2.0-certificate', 'v1.1.0-sigstore'];
  let originals: Array<{ dir: string; json: unknown; payload: string }>;
  beforeAll(async () => {
    originals = await Promise.all(
      vectors.map(async (dir) => {
        const json = JSON.parse(await readFile(join(VECTORS, dir, 'model.sig'), 'utf8'));
        return { dir, json, payload: json.dsseEnvelope.payload as string };
      }),
    );
  });

  it('mutated bundle JSON: {ok:false} or a verified payload equal to the signed one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: vectors.length - 1 }), fc.integer(), async (which, seed) => {
        const original = originals[which]!;
        const rand = rng(seed);
        const bytes = Buffer.from(JSON.stringify(mutate(original.json, rand)));
        try {
          const r = await verifyDsseBundle(bytes, SIG_TRUST);
          if (r.ok) expect(r.payload.toString('base64')).toBe(Buffer.from(original.payload, 'base64').toString('base64'));
        } catch (error) {
          expect(error).toBeInstanceOf(SignatureError);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes and truncations: {ok:false}, never a throw other than SignatureError', async () => {
    const text = Buffer.from(JSON.stringify(originals[0]!.json));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: text.length - 1 }).map((n) => text.subarray(0, n))), async (bytes) => {
        const r = await verifyDsseBundle(bytes, SIG_TRUST);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('random resource path sets never crash the manifest check', () => {
  let tmp: string;
  let model: string;
  let keyPath: string;
  let privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
  let publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'];
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'oms-prop-'));
    model = join(tmp, 'model');
    await mkdir(join(model, 'a'), { recursive: true });
    await writeFile(join(model, 'a', 'b'), 'b');
    await writeFile(join(model, 'c'), 'c');
    ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    keyPath = join(tmp, 'k.pem');
    await writeFile(keyPath, publicKey.export({ type: 'spki', format: 'pem' }));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('mutated signed statements (re-signed, so they reach the statement parser): never a crash', async () => {
    const { statementForModel } = await import('./support/oms-sign.js');
    const statement = JSON.parse((await statementForModel(model)).toString('utf8'));
    const sigPath = join(tmp, 'mutated.sig');
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const mutated = mutate(statement, rng(seed));
        await writeFile(sigPath, keyBundle(Buffer.from(JSON.stringify(mutated)), privateKey, publicKey));
        try {
          const r = await verifyModelSignature({ modelPath: model, signaturePath: sigPath, trust: { publicKeyPaths: [keyPath] }, concurrency: 1 });
          if (r.valid) expect(r.resources.map((x) => x.name).sort()).toEqual(['a/b', 'c']);
        } catch (error) {
          expect(error).toBeInstanceOf(SignatureError);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('any names with made-up digests: {valid:false} or SignatureError, nothing else', async () => {
    const name = fc.oneof(pathArb, fc.constantFrom('a/b', 'c', '.', '..', '/c', 'a/../c', 'a\\b', 'a//b', ''), fc.string({ maxLength: 12 }));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { maxLength: 6 }), async (names) => {
        const resources = names.map((n) => ({ name: n, algorithm: 'sha256', digest: 'ab'.repeat(32) }));
        const sigPath = join(tmp, 'model.sig');
        await writeFile(sigPath, keyBundle(statementFor('m', FILES_SHA256, resources), privateKey, publicKey));
        try {
          const r = await verifyModelSignature({ modelPath: model, signaturePath: sigPath, trust: { publicKeyPaths: [keyPath] }, concurrency: 1 });
          expect(r.valid).toBe(false);
        } catch (error) {
          expect(error).toBeInstanceOf(SignatureError);
        }
      }),
      { numRuns: 60 },
    );
  });
});
