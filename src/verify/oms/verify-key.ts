import { verify } from 'node:crypto';
import type { ParsedBundle } from './bundle.js';
import { SignatureRejection } from './errors.js';
import { dssePae, legacyPae } from './pae.js';
import { curveHash, type TrustedKey } from './trust-files.js';

export interface KeySigner {
  signer: Record<string, string>;
  legacyPae: boolean;
}

/** ECDSA over the DSSE PAE with the curve's own digest (DER signature), as model_signing signs. */
export function ecdsaVerify(hash: string, data: Buffer, key: TrustedKey['key'], signature: Buffer): boolean {
  try {
    return verify(hash, data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/**
 * The key method: the bundle's key hint (when present) picks the trusted key, the signature must
 * verify with it over the PAE, or over the legacy v0.2 encoding.
 */
export function verifyWithKeys(bundle: ParsedBundle & { material: { kind: 'publicKey' } }, keys: readonly TrustedKey[]): KeySigner {
  const hint = bundle.material.hint;
  const candidates = hint ? keys.filter((k) => k.hint === hint.toLowerCase()) : keys;
  if (candidates.length === 0) {
    throw new SignatureRejection('SIGNATURE_UNTRUSTED', `key mismatch: the signature names key ${JSON.stringify(hint!.slice(0, 64))}, which is none of the trusted public keys (${keys.map((k) => k.hint.slice(0, 16)).join(', ')})`);
  }
  const pae = dssePae(bundle.payloadType, bundle.payload);
  for (const key of candidates) {
    const hash = curveHash(key.key)!;
    if (ecdsaVerify(hash, pae, key.key, bundle.signature)) return { signer: signerOf(key), legacyPae: false };
  }
  const legacy = legacyPae(bundle.payloadType, bundle.payload);
  for (const key of candidates) {
    if (ecdsaVerify(curveHash(key.key)!, legacy, key.key, bundle.signature)) return { signer: signerOf(key), legacyPae: true };
  }
  const which = candidates.length === 1 ? `the public key ${candidates[0]!.path}` : `any of the ${candidates.length} trusted public keys`;
  throw new SignatureRejection('SIGNATURE_INVALID', `the signature does not verify with ${which}`);
}

function signerOf(key: TrustedKey): Record<string, string> {
  return { publicKey: key.path, keyHint: key.hint, curve: key.key.asymmetricKeyDetails?.namedCurve ?? 'unknown' };
}
