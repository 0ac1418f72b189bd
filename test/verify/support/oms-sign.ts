/**
 * A minimal OMS signer for tests (the product's signer lives in src/sign/): builds the statement,
 * signs the DSSE PAE with node:crypto, writes model_signing-shaped key or certificate bundles.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { dssePae, legacyPae } from '../../../src/verify/oms/pae.js';
import { hashModel, omsRootDigest, serializationToPredicate, type ManifestResource, type Serialization } from '../../../src/verify/oms/manifest.js';

export const FILES_SHA256: Serialization = { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: [] };

export function statementFor(name: string, s: Serialization, resources: readonly ManifestResource[]): Buffer {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: omsRootDigest(resources) } }],
    predicateType: 'https://model_signing/signature/v1.0',
    predicate: { serialization: serializationToPredicate(s), resources },
  };
  return Buffer.from(JSON.stringify(statement, null, 2));
}

export async function statementForModel(modelPath: string, s: Serialization = FILES_SHA256, ignore: string[] = []): Promise<Buffer> {
  return statementFor('model', s, await hashModel(modelPath, s, { ignore }));
}

function curveHash(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
}

export function signPae(payload: Buffer, key: KeyObject, o: { legacy?: boolean; hash?: string } = {}): Buffer {
  const type = 'application/vnd.in-toto+json';
  const data = o.legacy ? legacyPae(type, payload) : dssePae(type, payload);
  return sign(o.hash ?? curveHash(key), data, { key, dsaEncoding: 'der' });
}

export function keyHint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'pem' }) as string).digest('hex');
}

function envelope(payload: Buffer, sig: Buffer) {
  return { payload: payload.toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: sig.toString('base64'), keyid: '' }] };
}

export function keyBundle(payload: Buffer, privateKey: KeyObject, publicKey: KeyObject, o: { legacy?: boolean; hint?: string | null } = {}): string {
  const hint = o.hint === undefined ? keyHint(publicKey) : o.hint;
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: hint === null ? {} : { hint }, tlogEntries: [] },
    dsseEnvelope: envelope(payload, signPae(payload, privateKey, o.legacy ? { legacy: true } : {})),
  });
}

export function chainBundle(payload: Buffer, leafKey: KeyObject, certificatesDer: Buffer[], o: { legacy?: boolean } = {}): string {
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { x509CertificateChain: { certificates: certificatesDer.map((d) => ({ rawBytes: d.toString('base64') })) }, tlogEntries: [] },
    dsseEnvelope: envelope(payload, signPae(payload, leafKey, o.legacy ? { legacy: true, hash: 'sha256' } : {})),
  });
}
