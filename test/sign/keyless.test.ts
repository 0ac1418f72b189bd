import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKeyless } from '../../src/sign/keyless.js';
import { fakeIdentityToken, MOCK_ISSUER, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.js';

let sigstore: MockSigstore;
beforeAll(async () => {
  sigstore = await startMockSigstore();
});
afterAll(() => sigstore.close());

function verifyWithMockRoot(json: unknown, tsa: boolean) {
  const tm = toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot));
  const verifier = new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: tsa ? 2 : 1 });
  return verifier.verify(toSignedEntity(bundleFromJSON(json)), {
    subjectAlternativeName: '^ci@modelscan\\.test$',
    extensions: { issuer: MOCK_ISSUER },
  });
}

describe('keyless signing against a private Sigstore', () => {
  it('signs with Fulcio + Rekor (dsse entry) and verifies offline against the matching trusted root', async () => {
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const json = await signKeyless('application/vnd.in-toto+json', payload, {
      identityToken: fakeIdentityToken({ email: 'ci@modelscan.test' }),
      fulcioURL: sigstore.fulcioURL,
      rekorURL: sigstore.rekorURL,
    });
    expect(json['mediaType']).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const vm = json['verificationMaterial'] as Record<string, any>;
    expect(vm['certificate']).toBeDefined();
    expect(vm['tlogEntries'][0].kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
    const signer = verifyWithMockRoot(json, false);
    expect(signer.identity?.subjectAlternativeName).toBe('ci@modelscan.test');
  });

  it('adds an RFC 3161 timestamp when a TSA is given', async () => {
    const json = await signKeyless('application/vnd.in-toto+json', Buffer.from('{}'), {
      identityToken: fakeIdentityToken({ email: 'ci@modelscan.test' }),
      fulcioURL: sigstore.fulcioURL,
      rekorURL: sigstore.rekorURL,
      tsaURL: sigstore.tsaURL,
    });
    const vm = json['verificationMaterial'] as Record<string, any>;
    expect(vm['timestampVerificationData'].rfc3161Timestamps).toHaveLength(1);
    verifyWithMockRoot(json, true);
  });
});
