/**
 * Hostile signature files: whatever a model.sig holds, verification ends quickly with a typed,
 * one-line outcome (never a hang, never a reason spanning lines or carrying terminal escapes).
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyModelSignature } from '../../src/verify/oms/index.js';
import { makeChain } from './support/pki.js';
import { keyBundle, statementForModel } from './support/oms-sign.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

let tmp: string;
let model: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-hostile-'));
  model = join(tmp, 'model');
  await mkdir(model);
  await writeFile(join(model, 'weights.bin'), 'weights');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

function chainOnlyBundle(certificatesDer: Buffer[]): string {
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { x509CertificateChain: { certificates: certificatesDer.map((d) => ({ rawBytes: d.toString('base64') })) }, tlogEntries: [] },
    dsseEnvelope: { payload: Buffer.from('{}').toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: 'AAAA', keyid: '' }] },
  });
}

describe('certificate chains built to explode the path search', () => {
  it('16 certificates that all "issue" each other (one name, one key) are rejected at once, not searched for hours', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const certs: Buffer[] = [];
    for (let i = 0; i < 16; i++) {
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: (i + 1).toString(16).padStart(2, '0'),
        name: 'CN=loop',
        keys,
        notBefore: new Date(Date.now() - 86400_000),
        notAfter: new Date(Date.now() + 86400_000),
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
      });
      certs.push(Buffer.from(cert.rawData));
    }
    const trusted = await makeChain('trusted');
    const caPath = join(tmp, 'ca.pem');
    await writeFile(caPath, trusted.rootPem);
    const sigPath = join(tmp, 'loop.sig');
    await writeFile(sigPath, chainOnlyBundle(certs));
    const started = Date.now();
    const r = await verifyModelSignature({ modelPath: model, signaturePath: sigPath, trust: { certificateChainPaths: [caPath] } });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
  }, 20_000);
});

describe('reasons stay on one line whatever the bundle says', () => {
  it('a key hint with a newline and a terminal escape is quoted in the reason', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPath = join(tmp, 'k.pub.pem');
    await writeFile(keyPath, key.publicKey.export({ type: 'spki', format: 'pem' }));
    const sigPath = join(tmp, 'hint.sig');
    await writeFile(sigPath, keyBundle(await statementForModel(model), key.privateKey, key.publicKey, { hint: 'abc\nverified: ok\u001b[2J' }));
    const r = await verifyModelSignature({ modelPath: model, signaturePath: sigPath, trust: { publicKeyPaths: [keyPath] } });
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
    if (r.valid) return;
    expect(r.reason).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});

describe('a trust root that parses but holds unusable keys', () => {
  it('is SIGNATURE_TRUST_INVALID (could not check, exit 2), not an invalid signature', async () => {
    const { readFile } = await import('node:fs/promises');
    const { PUBLIC_GOOD_ROOT, SIGSTORE_IDENTITY, SIGSTORE_ISSUER, VECTORS } = await import('./vectors.js');
    const root = JSON.parse(await readFile(PUBLIC_GOOD_ROOT, 'utf8'));
    root.tlogs[0].publicKey = { keyDetails: 'PKIX_ECDSA_P256_SHA_256' }; // no rawBytes
    const rootPath = join(tmp, 'broken-root.json');
    await writeFile(rootPath, JSON.stringify(root));
    const vector = join(VECTORS, 'v1.1.0-sigstore');
    const run = verifyModelSignature({
      modelPath: vector,
      signaturePath: join(vector, 'model.sig'),
      trust: { sigstore: { identities: [{ identity: SIGSTORE_IDENTITY, issuer: SIGSTORE_ISSUER }], trustedRootPath: rootPath } },
    });
    await expect(run).rejects.toMatchObject({ name: 'SignatureError', code: 'SIGNATURE_TRUST_INVALID' });
  });
});

describe('the signature file is left out of the model, nothing else', () => {
  it('model.sig linked to another file inside the model: that file is still checked (an unsigned extra)', async () => {
    const { symlink, rename } = await import('node:fs/promises');
    const dir = join(tmp, 'linked-sig');
    await mkdir(dir);
    await writeFile(join(dir, 'weights.bin'), 'weights');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPath = join(tmp, 'linked.pub.pem');
    await writeFile(keyPath, key.publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(join(dir, 'model.sig'), keyBundle(await statementForModel(dir), key.privateKey, key.publicKey));
    const trust = { publicKeyPaths: [keyPath] };
    expect(await verifyModelSignature({ modelPath: dir, signaturePath: join(dir, 'model.sig'), trust })).toMatchObject({ valid: true });
    // The bundle moves to a file the signature never covered; model.sig becomes a link to it.
    await rename(join(dir, 'model.sig'), join(dir, 'extra.json'));
    await symlink('extra.json', join(dir, 'model.sig'));
    expect(await verifyModelSignature({ modelPath: dir, signaturePath: join(dir, 'model.sig'), trust })).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_EXTRA', reason: expect.stringContaining('extra.json') });
  });
});

describe('bounded bundle contents', () => {
  it('more transparency-log entries or timestamps than any signer writes are malformed, before any of them is verified', async () => {
    const { readFile } = await import('node:fs/promises');
    const { SIGSTORE_IDENTITY, SIGSTORE_ISSUER, VECTORS } = await import('./vectors.js');
    const vector = join(VECTORS, 'v1.1.0-sigstore');
    const bundle = JSON.parse(await readFile(join(vector, 'model.sig'), 'utf8'));
    const trust = { sigstore: { identities: [{ identity: SIGSTORE_IDENTITY, issuer: SIGSTORE_ISSUER }] } };
    const manyLogs = structuredClone(bundle);
    manyLogs.verificationMaterial.tlogEntries = Array.from({ length: 17 }, () => bundle.verificationMaterial.tlogEntries[0]);
    const manyStamps = structuredClone(bundle);
    manyStamps.verificationMaterial.timestampVerificationData.rfc3161Timestamps = Array.from({ length: 17 }, () => bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0]);
    for (const [name, hostile] of [['logs', manyLogs], ['stamps', manyStamps]] as const) {
      const sigPath = join(tmp, `many-${name}.sig`);
      await writeFile(sigPath, JSON.stringify(hostile));
      expect(await verifyModelSignature({ modelPath: vector, signaturePath: sigPath, trust })).toMatchObject({ valid: false, code: 'SIGNATURE_MALFORMED', reason: expect.stringContaining('more than 16') });
    }
  });
});
