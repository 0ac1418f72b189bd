import { X509Certificate, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { SignatureError, errnoCode } from './errors.js';

const MAX_TRUST_FILE = 4 * 1024 * 1024;

export async function readTrustFile(path: string, what: string): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOTREG' });
    if (st.size > MAX_TRUST_FILE) throw Object.assign(new Error('too big'), { code: 'EFBIG' });
    return await readFile(path);
  } catch (error) {
    throw new SignatureError('SIGNATURE_UNREADABLE', `${path}: cannot read ${what} (${errnoCode(error)})`);
  }
}

/** Every `-----BEGIN <label>-----` block of a text (text outside the blocks, e.g. certtool dumps, is skipped). */
export function pemBlocks(text: string, label: string): Array<{ pem: string; der: Buffer }> {
  const re = new RegExp(`-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+?)-----END ${label}-----`, 'g');
  const out: Array<{ pem: string; der: Buffer }> = [];
  for (const m of text.matchAll(re)) out.push({ pem: m[0], der: Buffer.from(m[1]!.replace(/[\r\n]/g, ''), 'base64') });
  return out;
}

export interface TrustedKey {
  path: string;
  key: KeyObject;
  /** sha256 hex of the key's PEM SPKI text: the `publicKey.hint` model_signing writes. */
  hint: string;
}

/** The EC curves model_signing signs with, and the digest each one uses. */
export const CURVE_HASH: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  prime256v1: 'sha256',
  secp384r1: 'sha384',
  secp521r1: 'sha512',
};

export function curveHash(key: KeyObject): 'sha256' | 'sha384' | 'sha512' | null {
  if (key.asymmetricKeyType !== 'ec') return null;
  return CURVE_HASH[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? null;
}

export async function loadPublicKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const path of paths) {
    const text = (await readTrustFile(path, 'public key')).toString('utf8');
    const blocks = pemBlocks(text, 'PUBLIC KEY');
    if (blocks.length === 0) throw new SignatureError('SIGNATURE_TRUST_INVALID', `${path}: no PEM PUBLIC KEY block`);
    for (const block of blocks) {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
      } catch (error) {
        throw new SignatureError('SIGNATURE_TRUST_INVALID', `${path}: not a valid public key (${(error as Error).message})`);
      }
      if (!curveHash(key)) {
        const detail = key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
        throw new SignatureError('SIGNATURE_TRUST_INVALID', `${path}: ${detail} key not supported (model_signing keys are EC P-256, P-384 or P-521)`);
      }
      const pem = key.export({ type: 'spki', format: 'pem' }) as string;
      keys.push({ path, key, hint: createHash('sha256').update(pem).digest('hex') });
    }
  }
  return keys;
}

export interface TrustedCertificate {
  path: string;
  cert: X509Certificate;
  der: Buffer;
}

export async function loadCertificates(paths: readonly string[]): Promise<TrustedCertificate[]> {
  const certs: TrustedCertificate[] = [];
  for (const path of paths) {
    const text = (await readTrustFile(path, 'certificate chain')).toString('utf8');
    const blocks = pemBlocks(text, 'CERTIFICATE');
    if (blocks.length === 0) throw new SignatureError('SIGNATURE_TRUST_INVALID', `${path}: no PEM CERTIFICATE block`);
    for (const block of blocks) {
      try {
        certs.push({ path, cert: new X509Certificate(block.der), der: block.der });
      } catch (error) {
        throw new SignatureError('SIGNATURE_TRUST_INVALID', `${path}: not a valid certificate (${(error as Error).message})`);
      }
    }
  }
  return certs;
}
