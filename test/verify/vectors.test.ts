import { generateKeyPairSync } from 'node:crypto';
import { appendFile, chmod, cp, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from 'node:crypto';
import { dssePae, verifyModelSignature, type SignatureTrust, type VerifyModelOptions } from '../../src/verify/oms/index.js';
import { makeChain } from './support/pki.js';
import { KEYS, PUBLIC_GOOD_ROOT, SIGSTORE_IDENTITY, SIGSTORE_ISSUER, VECTORS } from './vectors.js';

const SIGSTORE: SignatureTrust = { sigstore: { identities: [{ identity: SIGSTORE_IDENTITY, issuer: SIGSTORE_ISSUER }] } };
const KEY: SignatureTrust = { publicKeyPaths: [join(KEYS, 'signing-key-pub.pem')] };
const CA: SignatureTrust = { certificateChainPaths: [join(KEYS, 'ca-cert.pem')] };

interface Vector {
  dir: string;
  model?: string;
  trust: SignatureTrust;
  ignore?: string[];
  method: 'sigstore' | 'key' | 'certificate';
  legacy?: boolean;
}

const VECTOR_LIST: Vector[] = [
  { dir: 'v1.1.0-sigstore', trust: SIGSTORE, method: 'sigstore' },
  { dir: 'v1.0.1-sigstore', trust: SIGSTORE, ignore: ['ignore-me'], method: 'sigstore' },
  { dir: 'v0.3.1-sigstore', trust: SIGSTORE, method: 'sigstore' },
  { dir: 'v1.1.0-elliptic-key', trust: KEY, method: 'key' },
  { dir: 'v1.0.1-elliptic-key', trust: KEY, ignore: ['ignore-me'], method: 'key' },
  { dir: 'v1.0.0-elliptic-key', model: 'signme-1', trust: KEY, method: 'key' },
  { dir: 'v1.1.0-certificate', trust: CA, method: 'certificate' },
  { dir: 'v1.0.1-certificate', trust: CA, ignore: ['ignore-me'], method: 'certificate' },
  { dir: 'v0.2.0-certificate', trust: CA, method: 'certificate', legacy: true },
];

function options(v: Vector, root = VECTORS, extra: Partial<VerifyModelOptions> = {}): VerifyModelOptions {
  const dir = join(root, v.dir);
  return { modelPath: v.model ? join(dir, v.model) : dir, signaturePath: join(dir, 'model.sig'), trust: v.trust, ignorePaths: v.ignore ?? [], concurrency: 2, ...extra };
}

describe('upstream model_signing vectors verify', () => {
  for (const v of VECTOR_LIST) {
    it(`${v.dir} (${v.method})`, async () => {
      const r = await verifyModelSignature(options(v));
      if (!r.valid) throw new Error(r.reason);
      expect(r.method).toBe(v.method);
      expect(r.legacy).toBe(v.legacy ?? false);
      expect(r.resources.map((x) => x.name)).toEqual(v.model ? ['.'] : ['signme-1', 'signme-2']);
    });
  }

  for (const dir of ['v1.0.1-sigstore', 'v1.0.1-elliptic-key', 'v1.0.1-certificate']) {
    it(`${dir} fails without ignoring ignore-me (not recorded in the signature)`, async () => {
      const v = VECTOR_LIST.find((x) => x.dir === dir)!;
      const r = await verifyModelSignature(options({ ...v, ignore: [] }));
      expect(r).toEqual({ valid: false, code: 'SIGNATURE_FILE_EXTRA', reason: expect.stringContaining('"ignore-me"') });
    });
  }

  it('v1.1.0-sigstore identities: any trusted {identity, issuer} may match', async () => {
    const r = await verifyModelSignature(options({ ...VECTOR_LIST[0]!, trust: { sigstore: { identities: [{ identity: 'other@example.com', issuer: SIGSTORE_ISSUER }, { identity: SIGSTORE_IDENTITY, issuer: SIGSTORE_ISSUER }] } } }));
    expect(r.valid).toBe(true);
  });

  it('sigstore with the trust root given explicitly, and as a model_signing trust config', async () => {
    for (const trustedRootPath of [PUBLIC_GOOD_ROOT, join(VECTORS, 'trust', 'custom_trust_config.example.json')]) {
      const r = await verifyModelSignature(options({ ...VECTOR_LIST[2]!, trust: { sigstore: { ...SIGSTORE.sigstore!, trustedRootPath } } }));
      if (!r.valid) throw new Error(`${trustedRootPath}: ${r.reason}`);
    }
  });

  it('legacy v0.2 signature verifies only through the compat encoding', async () => {
    const bundle = JSON.parse(await readFile(join(VECTORS, 'v0.2.0-certificate', 'model.sig'), 'utf8'));
    const { X509Certificate } = await import('node:crypto');
    const leaf = new X509Certificate(Buffer.from(bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes, 'base64'));
    const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
    const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
    const pae = dssePae(bundle.dsseEnvelope.payloadType, payload);
    for (const hash of ['sha256', 'sha384']) expect(verify(hash, pae, { key: leaf.publicKey, dsaEncoding: 'der' }, sig)).toBe(false);
  });
});

describe('tampering with a vector is rejected with a precise reason', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'oms-tamper-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  let n = 0;
  async function copyVector(dir: string): Promise<string> {
    const root = join(tmp, String(n++));
    await cp(join(VECTORS, dir), join(root, dir), { recursive: true });
    for (const f of await readdir(join(root, dir))) await chmod(join(root, dir, f), 0o644);
    return root;
  }
  async function editBundle(root: string, dir: string, edit: (b: any) => void): Promise<void> {
    const path = join(root, dir, 'model.sig');
    const b = JSON.parse(await readFile(path, 'utf8'));
    edit(b);
    await writeFile(path, JSON.stringify(b));
  }
  const v = (dir: string) => VECTOR_LIST.find((x) => x.dir === dir)!;

  for (const dir of ['v1.1.0-sigstore', 'v1.1.0-elliptic-key', 'v1.1.0-certificate']) {
    it(`${dir}: one flipped byte in a model file`, async () => {
      const root = await copyVector(dir);
      const file = join(root, dir, 'signme-2');
      const bytes = await readFile(file);
      bytes[3] = bytes[3]! ^ 0x01;
      await writeFile(file, bytes);
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED', reason: expect.stringContaining('"signme-2": content differs') });
    });

    it(`${dir}: an extra file`, async () => {
      const root = await copyVector(dir);
      await writeFile(join(root, dir, 'payload.bin'), 'extra');
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA', reason: expect.stringContaining('"payload.bin"') });
    });

    it(`${dir}: a removed file`, async () => {
      const root = await copyVector(dir);
      await unlink(join(root, dir, 'signme-1'));
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_MISSING', reason: expect.stringContaining('"signme-1"') });
    });

    it(`${dir}: truncated bundle`, async () => {
      const root = await copyVector(dir);
      const path = join(root, dir, 'model.sig');
      const text = await readFile(path);
      await writeFile(path, text.subarray(0, Math.floor(text.length / 2)));
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_MALFORMED', reason: expect.stringContaining('not JSON') });
    });

    it(`${dir}: payload re-encoded (same statement, re-serialized JSON)`, async () => {
      const root = await copyVector(dir);
      await editBundle(root, dir, (b) => {
        const statement = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
        b.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
      });
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
    });

    it(`${dir}: payload changed to match a modified file (manifest and subject rewritten)`, async () => {
      const root = await copyVector(dir);
      await writeFile(join(root, dir, 'signme-2'), 'evil');
      const { createHash } = await import('node:crypto');
      await editBundle(root, dir, (b) => {
        const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
        const res = st.predicate.resources.find((x: any) => x.name === 'signme-2');
        res.digest = createHash('sha256').update('evil').digest('hex');
        const root = createHash('sha256');
        for (const x of st.predicate.resources) root.update(Buffer.from(x.digest, 'hex'));
        st.subject[0].digest.sha256 = root.digest('hex');
        b.dsseEnvelope.payload = Buffer.from(JSON.stringify(st, null, 2)).toString('base64');
      });
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
    });

    it(`${dir}: wrong mediaType`, async () => {
      const root = await copyVector(dir);
      await editBundle(root, dir, (b) => {
        b.mediaType = 'application/vnd.dev.sigstore.bundle.v0.2+json';
      });
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_MALFORMED', reason: expect.stringContaining('mediaType') });
    });

    it(`${dir}: signature bytes flipped`, async () => {
      const root = await copyVector(dir);
      await editBundle(root, dir, (b) => {
        const sig = Buffer.from(b.dsseEnvelope.signatures[0].sig, 'base64');
        sig[sig.length - 5] = sig[sig.length - 5]! ^ 0x40;
        b.dsseEnvelope.signatures[0].sig = sig.toString('base64');
      });
      const r = await verifyModelSignature(options(v(dir), root));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
    });
  }

  it('sigstore: wrong identity', async () => {
    const r = await verifyModelSignature(options({ ...v('v1.1.0-sigstore'), trust: { sigstore: { identities: [{ identity: 'stefanb@us.ibm.co', issuer: SIGSTORE_ISSUER }] } } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED', reason: expect.stringContaining('signed by stefanb@us.ibm.com') });
  });

  it('sigstore: an identity that only matches as a substring or regex is not trusted', async () => {
    for (const identity of ['stefanb@us.ibm.com.evil', 'stefanb@us.ibm', '.*', 'stefanb@us.ibm.com|x']) {
      const r = await verifyModelSignature(options({ ...v('v1.1.0-sigstore'), trust: { sigstore: { identities: [{ identity, issuer: SIGSTORE_ISSUER }] } } }));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
    }
  });

  it('sigstore: wrong issuer', async () => {
    const r = await verifyModelSignature(options({ ...v('v1.1.0-sigstore'), trust: { sigstore: { identities: [{ identity: SIGSTORE_IDENTITY, issuer: 'https://accounts.google.com' }] } } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED', reason: expect.stringContaining('issuer https://sigstore.verify.ibm.com/oauth2') });
  });

  it('sigstore: a trust root without the public-good Fulcio CA', async () => {
    const root = JSON.parse(await readFile(PUBLIC_GOOD_ROOT, 'utf8'));
    const fresh = await makeChain('not-fulcio');
    root.certificateAuthorities = root.certificateAuthorities.map((ca: any) => ({ ...ca, certChain: { certificates: [{ rawBytes: fresh.rootDer.toString('base64') }] } }));
    const path = join(tmp, 'other-root.json');
    await writeFile(path, JSON.stringify(root));
    const r = await verifyModelSignature(options({ ...v('v1.1.0-sigstore'), trust: { sigstore: { ...SIGSTORE.sigstore!, trustedRootPath: path } } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
  });

  it('key: wrong key (the hint names another key)', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const path = join(tmp, 'other.pub.pem');
    await writeFile(path, publicKey.export({ type: 'spki', format: 'pem' }));
    const r = await verifyModelSignature(options({ ...v('v1.1.0-elliptic-key'), trust: { publicKeyPaths: [path] } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED', reason: expect.stringContaining('key mismatch') });
  });

  it('key: wrong key on a v1.0.x bundle (no hint)', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const path = join(tmp, 'other2.pub.pem');
    await writeFile(path, publicKey.export({ type: 'spki', format: 'pem' }));
    const r = await verifyModelSignature(options({ ...v('v1.0.1-elliptic-key'), trust: { publicKeyPaths: [path] } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID', reason: expect.stringContaining('does not verify') });
  });

  it('certificate: wrong CA (a fresh CA made now)', async () => {
    const chain = await makeChain('other');
    const path = join(tmp, 'other-ca.pem');
    await writeFile(path, chain.rootPem);
    const r = await verifyModelSignature(options({ ...v('v1.1.0-certificate'), trust: { certificateChainPaths: [path] } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED', reason: expect.stringContaining('does not chain to a trusted CA') });
  });

  it('certificate: trusting only the intermediate (not self-signed) is not enough', async () => {
    const r = await verifyModelSignature(options({ ...v('v1.1.0-certificate'), trust: { certificateChainPaths: [join(KEYS, 'int-ca-cert.pem')] } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
  });

  it('certificate: SAN pin that the leaf does not carry', async () => {
    const r = await verifyModelSignature(options({ ...v('v1.1.0-certificate'), trust: { ...CA, sanPins: ['https://signer.example'] } }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED', reason: expect.stringContaining('pinned') });
  });

  it('a key bundle checked as sigstore is rejected (method mismatch)', async () => {
    const r = await verifyModelSignature(options({ ...v('v1.1.0-elliptic-key'), trust: SIGSTORE, method: 'sigstore' }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED', reason: expect.stringContaining('public key') });
  });

  it('a missing signature file', async () => {
    const r = await verifyModelSignature({ ...options(v('v1.1.0-elliptic-key')), signaturePath: join(tmp, 'nope.sig') });
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_MISSING' });
  });

  it('a v1.1 model with an appended byte to a file and the file recorded as ignored elsewhere still fails', async () => {
    const root = await copyVector('v1.1.0-elliptic-key');
    await appendFile(join(root, 'v1.1.0-elliptic-key', 'signme-1'), 'x');
    const r = await verifyModelSignature(options(v('v1.1.0-elliptic-key'), root, { ignorePaths: ['signme-10'] }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED' });
  });
});
