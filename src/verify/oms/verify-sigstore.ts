import { bundleFromJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { PolicyError, VerificationError, Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import type { ParsedBundle } from './bundle.js';
import { SignatureRejection } from './errors.js';
import { parseCertificate } from './x509-info.js';

export interface TrustedIdentity {
  identity: string;
  issuer: string;
}

const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/**
 * The Sigstore method, offline: Fulcio certificate chain to the trusted root's CA, SCT, Rekor entry
 * (inclusion promise/proof, body matches the envelope), timestamps and the DSSE signature, all by
 * @sigstore/verify's low-level Verifier; then the signer must be one of the trusted identities:
 * the identity equal to one of the certificate's SANs and the OIDC issuer equal exactly.
 */
export function verifyWithSigstore(bundle: ParsedBundle & { material: { kind: 'certificate' } }, root: TrustedRoot, identities: readonly TrustedIdentity[]): { signer: Record<string, string> } {
  let entity;
  try {
    entity = toSignedEntity(bundleFromJSON(bundle.json));
  } catch (error) {
    throw new SignatureRejection('SIGNATURE_MALFORMED', `not a valid Sigstore bundle (${(error as Error).message.slice(0, 120)})`);
  }
  try {
    new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(entity);
  } catch (error) {
    if (error instanceof VerificationError || error instanceof PolicyError) {
      const code = ['CERTIFICATE_ERROR', 'PUBLIC_KEY_ERROR', 'UNTRUSTED_SIGNER_ERROR'].includes(error.code) ? 'SIGNATURE_UNTRUSTED' : 'SIGNATURE_INVALID';
      throw new SignatureRejection(code, `Sigstore verification failed: ${error.code} ${error.message.slice(0, 160)}`);
    }
    throw new SignatureRejection('SIGNATURE_INVALID', `Sigstore verification failed: ${(error as Error).message.slice(0, 160)}`);
  }
  const leaf = parseCertificate(bundle.material.leafDer, 'verificationMaterial.certificate');
  const issuer = fulcioIssuer(bundle.material.leafDer);
  const match = identities.find((t) => t.issuer === issuer && leaf.sans.includes(t.identity));
  if (!match) {
    const wanted = identities.map((t) => `${t.identity} (${t.issuer})`).join(', ');
    throw new SignatureRejection('SIGNATURE_UNTRUSTED', `signed by ${leaf.sans.join(', ') || 'no identity'} (issuer ${issuer ?? 'none'}), not a trusted identity: ${wanted || 'none given'}`);
  }
  return { signer: { identity: match.identity, issuer: match.issuer, certificate: leaf.fingerprint256 } };
}

/** The OIDC issuer Fulcio recorded: the v2 extension (a DER UTF8String) if present, else the raw v1 value. */
function fulcioIssuer(der: Buffer): string | undefined {
  const cert = X509Certificate.parse(Buffer.from(der) as Buffer<ArrayBuffer>);
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  if (v2) return v2.valueObj.subs[0]?.value.toString('utf8');
  return cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('utf8');
}
