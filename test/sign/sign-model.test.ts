import { createHash, verify, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signModel } from '../../src/sign/index.js';
import { SignError } from '../../src/sign/errors.js';
import { dssePae } from '../../src/verify/oms/pae.js';
import { writeCertificateChain, writeEcKey, type Curve } from './pki.js';

const VECTORS = new URL('../../../shared/signing-vectors/', import.meta.url);
const vector = async (dir: string) => JSON.parse(await readFile(new URL(`${dir}/model.sig`, VECTORS), 'utf8'));
const payloadOf = (bundle: any) => JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
const keysOf = (o: object) => Object.keys(o).sort();

let dir: string;
let model: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-sign-'));
  model = join(dir, 'my-model');
  await mkdir(join(model, 'sub'), { recursive: true });
  await mkdir(join(model, '.git'), { recursive: true });
  await writeFile(join(model, 'signme-1'), 'signme-1\n');
  await writeFile(join(model, 'signme-2'), 'signme-2');
  await writeFile(join(model, 'sub', 'weights.bin'), Buffer.alloc(1000, 7));
  await writeFile(join(model, 'ignore-me'), '');
  await writeFile(join(model, '.git', 'HEAD'), 'ref: refs/heads/main\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

describe('signModel with a local key (OMS key method)', () => {
  for (const [curve, hash] of [['P-256', 'sha256'], ['P-384', 'sha384'], ['P-521', 'sha512']] as const) {
    it(`${curve}: writes a model_signing v1.1 key bundle signed with ${hash}`, async () => {
      const key = await writeEcKey(dir, `k-${curve}`, curve as Curve);
      const sig = join(model, 'model.sig');
      const result = await signModel({ modelPath: model, signer: { method: 'key', privateKeyPath: key.privateKeyPath }, signaturePath: sig, ignorePaths: [join(model, 'ignore-me')] });
      expect(result.resources).toBe(3);
      const bundle = JSON.parse(await readFile(sig, 'utf8'));
      const upstream = await vector('v1.1.0-elliptic-key');
      expect(keysOf(bundle)).toEqual(keysOf(upstream));
      expect(bundle.mediaType).toBe(upstream.mediaType);
      expect(keysOf(bundle.verificationMaterial)).toEqual(keysOf(upstream.verificationMaterial));
      expect(bundle.verificationMaterial.tlogEntries).toEqual([]);
      const pem = await readFile(key.publicKeyPath, 'utf8');
      expect(bundle.verificationMaterial.publicKey).toEqual({ hint: sha256(pem) });
      expect(keysOf(bundle.dsseEnvelope)).toEqual(keysOf(upstream.dsseEnvelope));
      expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
      expect(bundle.dsseEnvelope.signatures).toHaveLength(1);
      expect(bundle.dsseEnvelope.signatures[0].keyid).toBe('');

      const statement = payloadOf(bundle);
      const up = payloadOf(upstream);
      expect(keysOf(statement)).toEqual(keysOf(up));
      expect(statement._type).toBe(up._type);
      expect(statement.predicateType).toBe(up.predicateType);
      expect(keysOf(statement.predicate)).toEqual(keysOf(up.predicate));
      expect(keysOf(statement.predicate.serialization)).toEqual(keysOf(up.predicate.serialization));
      expect(statement.predicate.serialization).toMatchObject({ method: 'files', hash_type: 'sha256', allow_symlinks: false });
      expect([...statement.predicate.serialization.ignore_paths].sort()).toEqual(['.git', '.gitattributes', '.github', '.gitignore', 'ignore-me', 'model.sig', 'modelscan.lock']);
      expect(statement.predicate.resources).toEqual([
        { name: 'signme-1', algorithm: 'sha256', digest: sha256('signme-1\n') },
        { name: 'signme-2', algorithm: 'sha256', digest: sha256('signme-2') },
        { name: 'sub/weights.bin', algorithm: 'sha256', digest: sha256(Buffer.alloc(1000, 7)) },
      ]);
      for (const r of statement.predicate.resources) expect(keysOf(r)).toEqual(keysOf(up.predicate.resources[0]));
      const root = createHash('sha256').update(Buffer.concat(statement.predicate.resources.map((r: any) => Buffer.from(r.digest, 'hex')))).digest('hex');
      expect(statement.subject).toEqual([{ name: 'my-model', digest: { sha256: root } }]);
      expect(result.rootDigest).toBe(root);

      const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
      const signature = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
      expect(verify(hash, dssePae('application/vnd.in-toto+json', payload), pem, signature)).toBe(true);
      // The curve's hash, not SHA-256 for every curve (the sigstore-js pitfall).
      if (hash !== 'sha256') expect(verify('sha256', dssePae('application/vnd.in-toto+json', payload), pem, signature)).toBe(false);
    });
  }

  it('signs a single file as "." with the file name as subject', async () => {
    const key = await writeEcKey(dir, 'single', 'P-256');
    const sig = join(dir, 'single.sig');
    await signModel({ modelPath: join(model, 'signme-1'), signer: { method: 'key', privateKeyPath: key.privateKeyPath }, signaturePath: sig });
    const statement = payloadOf(JSON.parse(await readFile(sig, 'utf8')));
    expect(statement.subject[0].name).toBe('signme-1');
    expect(statement.predicate.resources).toEqual([{ name: '.', algorithm: 'sha256', digest: sha256('signme-1\n') }]);
  });

  it('defaults to ./model.sig in the working folder (then not recorded); reads ignore paths as verify does', async () => {
    const key = await writeEcKey(dir, 'cwd', 'P-256');
    const result = await signModel({ modelPath: 'my-model', cwd: dir, signer: { method: 'key', privateKeyPath: key.privateKeyPath }, ignoreGitPaths: false, ignorePaths: ['my-model/ignore-me', '../elsewhere', 'sub/weights.bin', '/abs/outside'] });
    expect(result.signaturePath).toBe(join(dir, 'model.sig'));
    const statement = payloadOf(JSON.parse(await readFile(join(dir, 'model.sig'), 'utf8')));
    // Working-folder-relative when that lands in the model, else model-relative; outside paths are dropped.
    // The folder's own modelscan.lock is recorded too: check leaves it out of a local model.
    expect(statement.predicate.serialization.ignore_paths).toEqual(['ignore-me', 'modelscan.lock', 'sub/weights.bin']);
    // Without the git defaults, .git/HEAD is signed.
    expect(statement.predicate.resources.map((r: any) => r.name)).toContain('.git/HEAD');
  });

  it('records shards and blake2b as model_signing names them', async () => {
    const key = await writeEcKey(dir, 'shard', 'P-256');
    const sig = join(dir, 'shard.sig');
    await rm(join(model, 'model.sig'), { force: true }); // left by an earlier test: it would be signed like any file
    await signModel({ modelPath: model, signer: { method: 'key', privateKeyPath: key.privateKeyPath }, signaturePath: sig, shardSize: 512, hashType: 'blake2b', ignorePaths: [join(model, 'ignore-me')] });
    const statement = payloadOf(JSON.parse(await readFile(sig, 'utf8')));
    expect(statement.predicate.serialization).toMatchObject({ method: 'shards', hash_type: 'blake2b', shard_size: 512 });
    const names = statement.predicate.resources.map((r: any) => r.name);
    expect(names).toEqual(['signme-1:0:9', 'signme-2:0:8', 'sub/weights.bin:0:512', 'sub/weights.bin:512:1000']);
    expect(statement.predicate.resources[0].algorithm).toBe('blake2b-sharded-512');
    expect(statement.predicate.resources[0].digest).toBe(createHash('blake2b512').update('signme-1\n').digest('hex'));
  });

  it('refuses RSA keys, unsupported curves and non-key files with SIGN_KEY_INVALID', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    for (const [name, text] of [['rsa.pem', rsa], ['k1.pem', k1], ['junk.pem', 'not a key']] as const) {
      await writeFile(join(dir, name), text);
      const p = signModel({ modelPath: model, signer: { method: 'key', privateKeyPath: join(dir, name) }, signaturePath: join(dir, 'x.sig') });
      await expect(p).rejects.toBeInstanceOf(SignError);
      await expect(p).rejects.toMatchObject({ code: 'SIGN_KEY_INVALID' });
    }
  });
});

describe('signModel with a certificate chain (OMS certificate method)', () => {
  it('writes leaf then chain as DER, shaped like the v1.1.0-certificate vector', async () => {
    const pki = await writeCertificateChain(dir, 'org', 'P-384');
    const sig = join(dir, 'cert.sig');
    await signModel({
      modelPath: model,
      signer: { method: 'certificate', privateKeyPath: pki.leafKeyPath, certificatePath: pki.leafPath, certificateChainPaths: [pki.intermediatePath] },
      signaturePath: sig,
    });
    const bundle = JSON.parse(await readFile(sig, 'utf8'));
    const upstream = await vector('v1.1.0-certificate');
    expect(keysOf(bundle.verificationMaterial)).toEqual(keysOf(upstream.verificationMaterial));
    expect(keysOf(bundle.verificationMaterial.x509CertificateChain)).toEqual(['certificates']);
    const certs = bundle.verificationMaterial.x509CertificateChain.certificates.map((c: any) => new X509Certificate(Buffer.from(c.rawBytes, 'base64')));
    expect(certs.map((c: X509Certificate) => c.subject)).toEqual(['CN=org model signer', 'CN=org intermediate CA']);
    expect(keysOf(bundle.verificationMaterial.x509CertificateChain.certificates[0])).toEqual(['rawBytes']);
    const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
    expect(verify('sha384', dssePae('application/vnd.in-toto+json', payload), certs[0].publicKey, Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64'))).toBe(true);
  });

  it('refuses a certificate that is not for the signing key', async () => {
    const pki = await writeCertificateChain(dir, 'other', 'P-256');
    const key = await writeEcKey(dir, 'unrelated', 'P-256');
    await expect(
      signModel({ modelPath: model, signer: { method: 'certificate', privateKeyPath: key.privateKeyPath, certificatePath: pki.leafPath, certificateChainPaths: [] }, signaturePath: join(dir, 'y.sig') }),
    ).rejects.toMatchObject({ code: 'SIGN_CERTIFICATE_INVALID' });
  });
});
