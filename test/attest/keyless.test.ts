import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestation, writeAttestationForReport } from '../../src/attest/index.js';
import type { Report } from '../../src/core/report.js';
import { fakeIdentityToken, MOCK_ISSUER, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.js';
import { approvedModel, copyModel } from './fixtures.js';

let sigstore: MockSigstore;
let dir: string;
let model: string;
let report: Report;
let trustedRootPath: string;
const IDENTITY = 'release-bot@modelscan.test';

beforeAll(async () => {
  sigstore = await startMockSigstore();
  ({ dir, model, report } = await approvedModel());
  trustedRootPath = await sigstore.writeTrustedRoot(dir);
});
afterAll(async () => {
  await sigstore.close();
  await rm(dir, { recursive: true, force: true });
});

const trust = (identity = IDENTITY, issuer = MOCK_ISSUER) => ({ sigstore: { identities: [{ identity, issuer }], trustedRootPath } });

describe('keyless attestation (Fulcio + Rekor + TSA of a private Sigstore)', () => {
  it('signs with an identity token and verifies offline for that identity and issuer only', async () => {
    const path = join(dir, 'keyless.json');
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, fakeIdentityToken({ email: IDENTITY }) + '\n');
    await writeAttestationForReport(report, { path, identityToken: `@${tokenFile}`, fulcioURL: sigstore.fulcioURL, rekorURL: sigstore.rekorURL, tsaURL: sigstore.tsaURL });
    const bundle = JSON.parse(await readFile(path, 'utf8'));
    expect(bundle.verificationMaterial.certificate).toBeDefined();
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
    expect(sigstore.requests).toEqual(expect.arrayContaining(['/api/v2/signingCert', '/api/v1/log/entries', '/api/v1/timestamp']));

    const ok = await verifyAttestation({ modelPath: model, attestationPath: path, trust: trust() });
    expect(ok, JSON.stringify(ok)).toMatchObject({ ok: true });
    if (ok.ok) expect(ok.signer).toMatchObject({ identity: IDENTITY, issuer: MOCK_ISSUER });

    expect(await verifyAttestation({ modelPath: model, attestationPath: path, trust: trust('someone-else@modelscan.test') })).toMatchObject({ ok: false, code: 'ATTEST_SIGNER_UNTRUSTED' });
    expect(await verifyAttestation({ modelPath: model, attestationPath: path, trust: trust(IDENTITY, 'https://accounts.google.com') })).toMatchObject({ ok: false, code: 'ATTEST_SIGNER_UNTRUSTED' });

    const copy = await copyModel(model, dir, 'changed');
    await writeFile(join(copy, 'README.md'), 'changed after the check\n');
    expect(await verifyAttestation({ modelPath: copy, attestationPath: path, trust: trust() })).toMatchObject({ ok: false, code: 'ATTEST_FILE_CHANGED' });
  });

  it('rejects a bundle verified against the wrong trusted root', async () => {
    const path = join(dir, 'keyless2.json');
    await writeAttestationForReport(report, { path, identityToken: fakeIdentityToken({ email: IDENTITY }), fulcioURL: sigstore.fulcioURL, rekorURL: sigstore.rekorURL });
    const other = await startMockSigstore();
    try {
      const otherRoot = join(dir, 'other-root.json');
      await writeFile(otherRoot, JSON.stringify(other.trustedRoot));
      const r = await verifyAttestation({ modelPath: model, attestationPath: path, trust: { sigstore: { identities: [{ identity: IDENTITY, issuer: MOCK_ISSUER }], trustedRootPath: otherRoot } } });
      expect(r).toMatchObject({ ok: false, incomplete: false });
    } finally {
      await other.close();
    }
  });

  it('fails with SIGN_KEYLESS_FAILED, without echoing the token, when Fulcio refuses', async () => {
    const token = fakeIdentityToken({ email: IDENTITY });
    const p = writeAttestationForReport(report, { path: join(dir, 'x.json'), identityToken: token, fulcioURL: `${sigstore.fulcioURL}/nowhere`, rekorURL: sigstore.rekorURL });
    await expect(p).rejects.toMatchObject({ code: 'SIGN_KEYLESS_FAILED' });
    await p.catch((error: Error) => expect(error.message).not.toContain(token));
  });
});
