import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signModel } from '../../src/sign/index.js';
import { verifyModelSignature } from '../../src/verify/oms/index.js';
import { fakeIdentityToken, MOCK_ISSUER, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.js';
import { writeCertificateChain, writeEcKey, type Curve } from './pki.js';

const EXAMPLE = new URL('../../fixtures/models/example/', import.meta.url);

let dir: string;
let model: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-roundtrip-'));
  model = join(dir, 'model');
  await cp(EXAMPLE, model, { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sign here, verify here (helper A verifier)', () => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as Curve[]) {
    it(`key ${curve}: model.sig inside the model verifies; a changed byte does not`, async () => {
      const key = await writeEcKey(dir, `rt-${curve}`, curve);
      const copy = join(dir, `key-${curve}`);
      await cp(model, copy, { recursive: true });
      const signaturePath = join(copy, 'model.sig');
      await signModel({ modelPath: copy, signer: { method: 'key', privateKeyPath: key.privateKeyPath }, signaturePath });
      const trust = { publicKeyPaths: [key.publicKeyPath] };
      const ok = await verifyModelSignature({ modelPath: copy, signaturePath, trust });
      expect(ok, JSON.stringify(ok)).toMatchObject({ valid: true, method: 'key' });
      await writeFile(join(copy, 'config.json'), '{"changed": true}');
      expect(await verifyModelSignature({ modelPath: copy, signaturePath, trust })).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED' });
    });
  }

  it('certificate: leaf + intermediate in the bundle chain to the org root; another root is refused', async () => {
    const pki = await writeCertificateChain(dir, 'acme', 'P-384');
    const otherPki = await writeCertificateChain(dir, 'rogue', 'P-256');
    const signaturePath = join(dir, 'cert.sig');
    await signModel({
      modelPath: model,
      signer: { method: 'certificate', privateKeyPath: pki.leafKeyPath, certificatePath: pki.leafPath, certificateChainPaths: [pki.intermediatePath] },
      signaturePath,
    });
    const ok = await verifyModelSignature({ modelPath: model, signaturePath, trust: { certificateChainPaths: [pki.rootPath] } });
    expect(ok, JSON.stringify(ok)).toMatchObject({ valid: true, method: 'certificate' });
    const wrong = await verifyModelSignature({ modelPath: model, signaturePath, trust: { certificateChainPaths: [otherPki.rootPath] } });
    expect(wrong.valid).toBe(false);
  });

  it('shards + blake2b round-trip', async () => {
    const key = await writeEcKey(dir, 'rt-shards', 'P-256');
    const signaturePath = join(dir, 'shards.sig');
    await signModel({ modelPath: model, signer: { method: 'key', privateKeyPath: key.privateKeyPath }, signaturePath, shardSize: 100, hashType: 'blake2b' });
    expect(await verifyModelSignature({ modelPath: model, signaturePath, trust: { publicKeyPaths: [key.publicKeyPath] } })).toMatchObject({ valid: true });
  });

  describe('keyless against a private Sigstore', () => {
    let sigstore: MockSigstore;
    beforeAll(async () => {
      sigstore = await startMockSigstore();
    });
    afterAll(() => sigstore.close());

    it('verifies for the token identity and issuer, not for another identity', async () => {
      const signaturePath = join(dir, 'keyless.sig');
      const identity = 'model-publisher@modelscan.test';
      await signModel({
        modelPath: model,
        signer: { method: 'sigstore', identityToken: fakeIdentityToken({ email: identity }), fulcioURL: sigstore.fulcioURL, rekorURL: sigstore.rekorURL, tsaURL: sigstore.tsaURL },
        signaturePath,
      });
      const trustedRootPath = await sigstore.writeTrustedRoot(dir);
      const ok = await verifyModelSignature({ modelPath: model, signaturePath, trust: { sigstore: { identities: [{ identity, issuer: MOCK_ISSUER }], trustedRootPath } } });
      expect(ok, JSON.stringify(ok)).toMatchObject({ valid: true, method: 'sigstore' });
      const other = await verifyModelSignature({ modelPath: model, signaturePath, trust: { sigstore: { identities: [{ identity: 'x@modelscan.test', issuer: MOCK_ISSUER }], trustedRootPath } } });
      expect(other).toMatchObject({ valid: false, code: 'SIGNATURE_UNTRUSTED' });
    });
  });
});
