import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureError, hashModel, verifyModelSignature, type Serialization, type VerifyModelOptions } from '../../src/verify/oms/index.js';
import { makeChain, type ChainOptions, type Curve } from './support/pki.js';
import { FILES_SHA256, chainBundle, keyBundle, statementFor, statementForModel } from './support/oms-sign.js';

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-gen-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A small model folder: two files at the top, one in a subfolder, one dot-file. */
async function makeModel(): Promise<string> {
  const dir = join(tmp, `model-${n++}`);
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'weights.bin'), Buffer.alloc(5000, 7));
  await writeFile(join(dir, 'config.json'), '{"a":1}');
  await writeFile(join(dir, 'sub', 'tokenizer.json'), 'tok');
  await writeFile(join(dir, '.hidden'), '');
  return dir;
}

async function writeKey(curve: Curve | 'rsa') {
  const pair = curve === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : generateKeyPairSync('ec', { namedCurve: curve });
  const path = join(tmp, `key-${n++}.pub.pem`);
  await writeFile(path, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { ...pair, path };
}

async function signWithKey(model: string, s: Serialization = FILES_SHA256, curve: Curve = 'P-256', o: { legacy?: boolean; hint?: null } = {}) {
  const key = await writeKey(curve);
  const sigPath = join(tmp, `sig-${n++}.sig`);
  await writeFile(sigPath, keyBundle(await statementForModel(model, s), key.privateKey, key.publicKey, o));
  return { sigPath, keyPath: key.path };
}

function keyOptions(model: string, sig: { sigPath: string; keyPath: string }, extra: Partial<VerifyModelOptions> = {}): VerifyModelOptions {
  return { modelPath: model, signaturePath: sig.sigPath, trust: { publicKeyPaths: [sig.keyPath] }, concurrency: 2, ...extra };
}

describe('key method on keys made now', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    it(`${curve}: verifies with the curve's hash`, async () => {
      const model = await makeModel();
      const r = await verifyModelSignature(keyOptions(model, await signWithKey(model, FILES_SHA256, curve)));
      if (!r.valid) throw new Error(r.reason);
      expect(r.resources.map((x) => x.name)).toEqual(['.hidden', 'config.json', 'sub/tokenizer.json', 'weights.bin']);
      expect(r.hashedFiles).toBe(4);
    });
  }

  it('a bundle without a hint verifies (v1.0.x form), and a legacy-PAE signature verifies as legacy', async () => {
    const model = await makeModel();
    const plain = await verifyModelSignature(keyOptions(model, await signWithKey(model, FILES_SHA256, 'P-384', { hint: null })));
    expect(plain).toMatchObject({ valid: true, legacy: false });
    const legacy = await verifyModelSignature(keyOptions(model, await signWithKey(model, FILES_SHA256, 'P-256', { legacy: true })));
    expect(legacy).toMatchObject({ valid: true, legacy: true });
  });

  it('a P-384 signature made with SHA-256 is rejected (hash matched to the curve)', async () => {
    const model = await makeModel();
    const key = await writeKey('P-384');
    const { sign } = await import('node:crypto');
    const { dssePae } = await import('../../src/verify/oms/pae.js');
    const payload = await statementForModel(model);
    const sig = sign('sha256', dssePae('application/vnd.in-toto+json', payload), { key: key.privateKey, dsaEncoding: 'der' });
    const bundle = JSON.parse(keyBundle(payload, key.privateKey, key.publicKey));
    bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
    const sigPath = join(tmp, 'p384-sha256.sig');
    await writeFile(sigPath, JSON.stringify(bundle));
    expect(await verifyModelSignature(keyOptions(model, { sigPath, keyPath: key.path }))).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
  });

  it('an RSA public key is not usable trust material (could not check)', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    const rsa = await writeKey('rsa');
    await expect(verifyModelSignature(keyOptions(model, { ...sig, keyPath: rsa.path }))).rejects.toMatchObject({ code: 'SIGNATURE_TRUST_INVALID' });
  });

  it('an unreadable public key file is a SignatureError (exit 2)', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    const error = await verifyModelSignature(keyOptions(model, { ...sig, keyPath: join(tmp, 'absent.pem') })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ code: 'SIGNATURE_UNREADABLE' });
  });
});

describe('serializations driven by the signature', () => {
  const cases: Array<[string, Serialization]> = [
    ['shards sha256 of 1000 bytes', { method: 'shards', hashType: 'sha256', shardSize: 1000, allowSymlinks: false, ignorePaths: [] }],
    ['shards blake2b', { method: 'shards', hashType: 'blake2b', shardSize: 4096, allowSymlinks: false, ignorePaths: [] }],
    ['files blake2b', { method: 'files', hashType: 'blake2b', allowSymlinks: false, ignorePaths: [] }],
    ['files blake3', { method: 'files', hashType: 'blake3', allowSymlinks: false, ignorePaths: [] }],
  ];
  for (const [name, s] of cases) {
    it(`${name}: verifies, and a flipped byte is found`, async () => {
      const model = await makeModel();
      const sig = await signWithKey(model, s);
      expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: true });
      const bytes = Buffer.alloc(5000, 7);
      bytes[4500] = 8;
      await writeFile(join(model, 'weights.bin'), bytes);
      expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED', reason: expect.stringContaining('"weights.bin"') });
    });
  }

  it('blake2b is BLAKE2b-512 and blake3 is BLAKE3-256', async () => {
    const model = await makeModel();
    const b2 = await hashModel(model, { method: 'files', hashType: 'blake2b', allowSymlinks: false, ignorePaths: [] }, { ignore: [] });
    expect(b2.find((r) => r.name === 'config.json')!.digest).toBe(createHash('blake2b512').update('{"a":1}').digest('hex'));
    const b3 = await hashModel(model, { method: 'files', hashType: 'blake3', allowSymlinks: false, ignorePaths: [] }, { ignore: [] });
    expect(b3.find((r) => r.name === '.hidden')!.digest).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  });

  it('a shard_size that would make millions of shards is refused, not queued', async () => {
    const model = join(tmp, `big-${n++}`);
    await mkdir(model);
    await writeFile(join(model, 'w.bin'), Buffer.alloc(2 * 1024 * 1024));
    const s: Serialization = { method: 'shards', hashType: 'sha256', shardSize: 1, allowSymlinks: false, ignorePaths: [] };
    const key = await writeKey('P-256');
    const sigPath = join(tmp, `sig-${n++}.sig`);
    await writeFile(sigPath, keyBundle(statementFor('big', s, [{ name: 'w.bin:0:1', algorithm: 'sha256-sharded-1', digest: 'ab'.repeat(32) }]), key.privateKey, key.publicKey));
    expect(await verifyModelSignature(keyOptions(model, { sigPath, keyPath: key.path }))).toMatchObject({ valid: false, code: 'SIGNATURE_UNSUPPORTED', reason: expect.stringContaining('shards') });
  });

  it('a shards file that grew is reported as changed', async () => {
    const model = await makeModel();
    const s: Serialization = { method: 'shards', hashType: 'sha256', shardSize: 1000, allowSymlinks: false, ignorePaths: [] };
    const sig = await signWithKey(model, s);
    await writeFile(join(model, 'weights.bin'), Buffer.alloc(5001, 7));
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED', reason: expect.stringContaining('"weights.bin"') });
  });
});

describe('walk and ignore rules', () => {
  it('a symlink fails unless the signature allows symlinks', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    await symlink('config.json', join(model, 'link.json'));
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_MODEL_ENTRY_REJECTED', reason: expect.stringContaining('"link.json"') });
    const allowing = await signWithKey(model, { ...FILES_SHA256, allowSymlinks: true });
    const r = await verifyModelSignature(keyOptions(model, allowing));
    expect(r.valid && r.resources.find((x) => x.name === 'link.json')?.digest).toBe(createHash('sha256').update('{"a":1}').digest('hex'));
  });

  it('git paths at the top are ignored by default, not below, and not with ignoreGitPaths false', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    await mkdir(join(model, '.git'));
    await writeFile(join(model, '.git', 'HEAD'), 'ref');
    await writeFile(join(model, '.gitattributes'), '*.bin lfs');
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: true });
    expect(await verifyModelSignature(keyOptions(model, sig, { ignoreGitPaths: false }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA' });
    await writeFile(join(model, 'sub', '.gitignore'), 'x');
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA', reason: expect.stringContaining('"sub/.gitignore"') });
  });

  it('the signature file inside the model is ignored; ignore paths are component prefixes', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    const inside = join(model, 'model.sig');
    const { copyFile } = await import('node:fs/promises');
    await copyFile(sig.sigPath, inside);
    expect(await verifyModelSignature(keyOptions(model, { ...sig, sigPath: inside }))).toMatchObject({ valid: true });
    await writeFile(join(model, 'extra'), 'x');
    await writeFile(join(model, 'extra2'), 'x');
    const withInside = { ...sig, sigPath: inside };
    expect(await verifyModelSignature(keyOptions(model, withInside, { ignorePaths: ['extra'] }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA', reason: expect.stringContaining('"extra2"') });
    expect(await verifyModelSignature(keyOptions(model, withInside, { ignorePaths: ['extra', join(model, 'extra2')] }))).toMatchObject({ valid: true });
    // The same signature kept outside the model: model.sig inside is now an unsigned file.
    expect(await verifyModelSignature(keyOptions(model, sig, { ignorePaths: ['extra', 'extra2'] }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA', reason: expect.stringContaining('"model.sig"') });
  });

  it('ignore paths recorded in the signature are honoured', async () => {
    const model = await makeModel();
    await writeFile(join(model, 'notes.txt'), 'n');
    const sig = await signWithKey(model, { ...FILES_SHA256, ignorePaths: ['notes.txt'] });
    await writeFile(join(model, 'notes.txt'), 'changed');
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: true });
  });

  it('ignoreUnsignedFiles tolerates extra files but not changed or missing ones', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    await writeFile(join(model, 'README.md'), 'x');
    expect(await verifyModelSignature(keyOptions(model, sig, { ignoreUnsignedFiles: true }))).toMatchObject({ valid: true });
    await writeFile(join(model, 'config.json'), '{"a":2}');
    expect(await verifyModelSignature(keyOptions(model, sig, { ignoreUnsignedFiles: true }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED' });
  });

  it('knownSha256 digests are used instead of re-reading (and so must be right)', async () => {
    const model = await makeModel();
    const sig = await signWithKey(model);
    const known = new Map([['weights.bin', createHash('sha256').update(Buffer.alloc(5000, 7)).digest('hex')]]);
    expect(await verifyModelSignature(keyOptions(model, sig, { knownSha256: known }))).toMatchObject({ valid: true, hashedFiles: 3, reusedDigests: 1 });
    const wrong = new Map([['weights.bin', 'ab'.repeat(32)]]);
    expect(await verifyModelSignature(keyOptions(model, sig, { knownSha256: wrong }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED' });
  });
});

describe('hostile or inconsistent manifests', () => {
  async function signStatement(model: string, mutate: (st: any) => void) {
    const key = await writeKey('P-256');
    const st = JSON.parse((await statementForModel(model)).toString('utf8'));
    mutate(st);
    const sigPath = join(tmp, `sig-${n++}.sig`);
    await writeFile(sigPath, keyBundle(Buffer.from(JSON.stringify(st)), key.privateKey, key.publicKey));
    return { sigPath, keyPath: key.path };
  }

  for (const name of ['../etc/passwd', '/etc/passwd', 'a//b', 'a\\b', '', 'sub/./x']) {
    it(`resource name ${JSON.stringify(name)} is malformed`, async () => {
      const model = await makeModel();
      const root = createHash('sha256');
      const sig = await signStatement(model, (st) => {
        st.predicate.resources.push({ name, algorithm: 'sha256', digest: 'aa'.repeat(32) });
        for (const r of st.predicate.resources) root.update(Buffer.from(r.digest, 'hex'));
        st.subject[0].digest.sha256 = root.digest('hex');
      });
      expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_MALFORMED', reason: expect.stringContaining('unsafe') });
    });
  }

  it('a subject digest that does not match the resources: manifest inconsistent', async () => {
    const model = await makeModel();
    const sig = await signStatement(model, (st) => {
      st.subject[0].digest.sha256 = 'ab'.repeat(32);
    });
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_MANIFEST_INCONSISTENT' });
  });

  it('an unknown serialization method is unsupported; an unknown predicate type too', async () => {
    const model = await makeModel();
    const a = await signStatement(model, (st) => {
      st.predicate.serialization.method = 'tar';
    });
    expect(await verifyModelSignature(keyOptions(model, a))).toMatchObject({ valid: false, code: 'SIGNATURE_UNSUPPORTED' });
    const b = await signStatement(model, (st) => {
      st.predicateType = 'https://example.com/other';
    });
    expect(await verifyModelSignature(keyOptions(model, b))).toMatchObject({ valid: false, code: 'SIGNATURE_UNSUPPORTED' });
  });

  it('two subjects in a v1.0 statement are malformed', async () => {
    const model = await makeModel();
    const sig = await signStatement(model, (st) => {
      st.subject.push(st.subject[0]);
    });
    expect(await verifyModelSignature(keyOptions(model, sig))).toMatchObject({ valid: false, code: 'SIGNATURE_MALFORMED' });
  });

  it('an empty model signed as empty verifies; adding a file then fails', async () => {
    const model = join(tmp, `empty-${n++}`);
    await mkdir(model);
    const key = await writeKey('P-256');
    const sigPath = join(tmp, `sig-${n++}.sig`);
    await writeFile(sigPath, keyBundle(statementFor('empty', FILES_SHA256, []), key.privateKey, key.publicKey));
    expect(await verifyModelSignature(keyOptions(model, { sigPath, keyPath: key.path }))).toMatchObject({ valid: true, rootDigest: createHash('sha256').digest('hex') });
    await writeFile(join(model, 'x'), '');
    expect(await verifyModelSignature(keyOptions(model, { sigPath, keyPath: key.path }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA' });
  });
});

describe('certificate method on a hierarchy made now', () => {
  async function signWithChain(o: ChainOptions = {}, legacy = false) {
    const model = await makeModel();
    const chain = await makeChain(`org${n++}`, o);
    const sigPath = join(tmp, `sig-${n++}.sig`);
    await writeFile(sigPath, chainBundle(await statementForModel(model), chain.leafKey, [chain.leafDer, chain.intermediateDer], { legacy }));
    const caPath = join(tmp, `ca-${n++}.pem`);
    await writeFile(caPath, chain.rootPem);
    return { model, sigPath, caPath, chain };
  }
  const opts = (x: { model: string; sigPath: string; caPath: string }, sanPins?: string[]): VerifyModelOptions => ({
    modelPath: x.model,
    signaturePath: x.sigPath,
    trust: { certificateChainPaths: [x.caPath], ...(sanPins ? { sanPins } : {}) },
  });

  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    it(`root -> intermediate -> ${curve} leaf verifies`, async () => {
      const x = await signWithChain({ leaf: { curve } });
      const r = await verifyModelSignature(opts(x));
      if (!r.valid) throw new Error(r.reason);
      expect(r.signer['anchor']).toContain('root');
    });
  }

  it('legacy PAE with SHA-256 verifies as legacy', async () => {
    expect(await verifyModelSignature(opts(await signWithChain({}, true)))).toMatchObject({ valid: true, legacy: true });
  });

  it('a leaf with only EKU codeSigning, or only KU digitalSignature, verifies', async () => {
    expect(await verifyModelSignature(opts(await signWithChain({ leaf: { keyUsage: false } })))).toMatchObject({ valid: true });
    expect(await verifyModelSignature(opts(await signWithChain({ leaf: { codeSigningEku: false } })))).toMatchObject({ valid: true });
  });

  it('a leaf without KU digitalSignature and without EKU codeSigning is rejected', async () => {
    const r = await verifyModelSignature(opts(await signWithChain({ leaf: { keyUsage: false, codeSigningEku: false } })));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_CERTIFICATE_REJECTED', reason: expect.stringContaining('codeSigning') });
  });

  it('an intermediate expired at the leaf notBefore is rejected', async () => {
    const r = await verifyModelSignature(opts(await signWithChain({ intermediateExpired: true })));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_CERTIFICATE_REJECTED', reason: expect.stringContaining('not valid at the signing time') });
  });

  it('a CA:false intermediate is rejected', async () => {
    const r = await verifyModelSignature(opts(await signWithChain({ intermediateNotCa: true })));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_CERTIFICATE_REJECTED', reason: expect.stringContaining('not a CA') });
  });

  it('SAN pinning: a pinned SAN passes, another fails', async () => {
    const x = await signWithChain({ leaf: { sans: [{ type: 'url', value: 'https://signer.example/ci' }, { type: 'email', value: 'ml@example.com' }] } });
    expect(await verifyModelSignature(opts(x, ['ml@example.com']))).toMatchObject({ valid: true });
    expect(await verifyModelSignature(opts(x, ['https://signer.example/ci']))).toMatchObject({ valid: true });
    expect(await verifyModelSignature(opts(x, ['https://signer.example']))).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
  });

  it('the chain missing from the bundle can come from the trust files', async () => {
    const x = await signWithChain();
    const bundle = JSON.parse(await (await import('node:fs/promises')).readFile(x.sigPath, 'utf8'));
    bundle.verificationMaterial.x509CertificateChain.certificates.length = 1;
    await writeFile(x.sigPath, JSON.stringify(bundle));
    expect(await verifyModelSignature(opts(x))).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
    await writeFile(x.caPath, x.chain.rootPem + x.chain.intermediatePem);
    expect(await verifyModelSignature(opts(x))).toMatchObject({ valid: true });
  });
});
