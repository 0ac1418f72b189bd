import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { SignError } from './errors.js';
import { readCredentialFile } from './read-small.js';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';
export type EcHash = 'sha256' | 'sha384' | 'sha512';

/** model_signing accepts exactly these curves, each signed with its own hash (sign_ec_key.py). */
const CURVES: Record<string, { curve: EcCurve; hash: EcHash }> = {
  prime256v1: { curve: 'P-256', hash: 'sha256' },
  secp384r1: { curve: 'P-384', hash: 'sha384' },
  secp521r1: { curve: 'P-521', hash: 'sha512' },
};

export interface EcSigningKey {
  privateKey: KeyObject;
  curve: EcCurve;
  hash: EcHash;
  /** PEM SPKI text exactly as Node (and Python's cryptography) writes it. */
  publicKeyPem: string;
  /** DER SPKI of the public key. */
  publicKeyDer: Buffer;
  /** model_signing's `verificationMaterial.publicKey.hint`: sha256 hex of the PEM SPKI text. */
  hint: string;
}

export function publicKeyHint(publicKeyPem: string): string {
  return createHash('sha256').update(publicKeyPem, 'utf8').digest('hex');
}

/** Wraps an EC private key object; refuses other key types and curves. */
export function ecSigningKey(privateKey: KeyObject, label: string): EcSigningKey {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec') {
    throw new SignError('SIGN_KEY_INVALID', `${label}: not an EC private key (${privateKey.asymmetricKeyType ?? privateKey.type})`);
  }
  const named = privateKey.asymmetricKeyDetails?.namedCurve ?? '';
  const params = CURVES[named];
  if (!params) throw new SignError('SIGN_KEY_INVALID', `${label}: unsupported curve ${named || 'unknown'} (P-256, P-384 or P-521)`);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const publicKeyDer = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, ...params, publicKeyPem, publicKeyDer, hint: publicKeyHint(publicKeyPem) };
}

/** Loads a PEM (PKCS#8 or SEC1) EC private key, optionally encrypted with `password`. */
export async function loadEcSigningKey(path: string, password?: string): Promise<EcSigningKey> {
  const pem = await readCredentialFile(path, 'SIGN_KEY_INVALID', 'private key');
  let key: KeyObject;
  try {
    key = createPrivateKey(password === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase: password });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE' ? 'encrypted; pass its password' : 'not a PEM private key';
    throw new SignError('SIGN_KEY_INVALID', `${path}: ${reason}`);
  }
  return ecSigningKey(key, path);
}

/** ECDSA over `data` with the curve's hash; DER-encoded signature (what DSSE and model_signing carry). */
export function ecdsaSign(key: EcSigningKey, data: Uint8Array): Buffer {
  return sign(key.hash, data, { key: key.privateKey, dsaEncoding: 'der' });
}
