import { X509Certificate } from 'node:crypto';
import type { EcSigningKey } from './keys.js';
import { SignError } from './errors.js';
import { readCredentialFile } from './read-small.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
/** A chain longer than this is not a certificate chain anyone deploys. */
const MAX_CERTS_PER_FILE = 16;

/** Every certificate PEM block of a file, in file order, as DER (text between blocks is ignored, as OpenSSL does). */
export async function loadCertificates(path: string): Promise<Buffer[]> {
  const text = (await readCredentialFile(path, 'SIGN_CERTIFICATE_INVALID', 'certificate')).toString('latin1');
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new SignError('SIGN_CERTIFICATE_INVALID', `${path}: no PEM certificate found`);
  if (blocks.length > MAX_CERTS_PER_FILE) throw new SignError('SIGN_CERTIFICATE_INVALID', `${path}: more than ${MAX_CERTS_PER_FILE} certificates`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block).raw;
    } catch {
      throw new SignError('SIGN_CERTIFICATE_INVALID', `${path}: certificate ${index + 1} is not valid X.509`);
    }
  });
}

/**
 * The signing certificate (first block of `leafPath`) followed by every certificate of the chain files,
 * in order — model_signing's `x509CertificateChain`. The leaf must certify the signing key.
 */
export async function loadCertificateChain(key: EcSigningKey, leafPath: string, chainPaths: readonly string[]): Promise<Buffer[]> {
  const [leaf] = await loadCertificates(leafPath);
  const leafKey = new X509Certificate(leaf!).publicKey.export({ type: 'spki', format: 'der' });
  if (!leafKey.equals(key.publicKeyDer)) {
    throw new SignError('SIGN_CERTIFICATE_INVALID', `${leafPath}: the certificate is not for the signing key`);
  }
  const chain: Buffer[] = [leaf!];
  for (const path of chainPaths) chain.push(...(await loadCertificates(path)));
  return chain;
}
