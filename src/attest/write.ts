import type { Report } from '../core/report.js';
import { SignError } from '../sign/errors.js';
import { resolveIdentityToken } from '../sign/token.js';
import { writeFileAtomic } from '../sign/write-file.js';
import type { CheckStatement } from './predicate.js';
import { signAttestation, type AttestationSigner } from './sign.js';
import { buildStatement, modelRootDigest } from './statement.js';

export interface WriteAttestationOptions {
  /** Where to write the bundle. */
  path: string;
  /** `--attest-key`: PEM EC private key (P-256/384/521), offline. */
  key?: string;
  keyPassword?: string;
  /** `--identity-token`: OIDC token for keyless signing (Fulcio + Rekor), or `@file` holding it. */
  identityToken?: string;
  fulcioURL?: string;
  rekorURL?: string;
  tsaURL?: string;
}

async function signerFor(o: WriteAttestationOptions): Promise<AttestationSigner> {
  if (o.key !== undefined && o.identityToken !== undefined) throw new SignError('SIGN_KEY_INVALID', 'give either an attestation key or an identity token, not both');
  if (o.key !== undefined) return { method: 'key', privateKeyPath: o.key, ...(o.keyPassword !== undefined ? { password: o.keyPassword } : {}) };
  if (o.identityToken !== undefined) {
    return {
      method: 'sigstore',
      identityToken: await resolveIdentityToken(o.identityToken),
      ...(o.fulcioURL ? { fulcioURL: o.fulcioURL } : {}),
      ...(o.rekorURL ? { rekorURL: o.rekorURL } : {}),
      ...(o.tsaURL ? { tsaURL: o.tsaURL } : {}),
    };
  }
  throw new SignError('SIGN_KEY_INVALID', 'an attestation needs a signing key (--attest-key) or an identity token (--identity-token)');
}

/**
 * `check --attest F`: builds the statement from the report (digests from the scan, nothing re-hashed),
 * signs it and writes the bundle to `o.path`. Throws SignError (exit 2) when it cannot.
 */
export async function writeAttestationForReport(report: Report, o: WriteAttestationOptions): Promise<{ path: string; statement: CheckStatement }> {
  const signer = await signerFor(o);
  const statement = buildStatement(report, { rootDigest: modelRootDigest(report.files) });
  const bundle = await signAttestation(statement, signer);
  await writeFileAtomic(o.path, JSON.stringify(bundle));
  return { path: o.path, statement };
}
