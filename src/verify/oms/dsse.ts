import { parseBundle, type ParsedBundle } from './bundle.js';
import { SignatureError, SignatureRejection } from './errors.js';
import type { SignatureCode } from './codes.js';
import { IN_TOTO_PAYLOAD_TYPE } from './statement.js';
import { loadCertificates, loadPublicKeys } from './trust-files.js';
import { loadTrustedRoot } from './trust-root.js';
import { verifyWithCertificates } from './verify-certificate.js';
import { verifyWithKeys } from './verify-key.js';
import { verifyWithSigstore, type TrustedIdentity } from './verify-sigstore.js';

export type SignatureMethod = 'sigstore' | 'key' | 'certificate';

/** Who the caller trusts. Each method is used only for bundles of its kind. */
export interface SignatureTrust {
  sigstore?: { identities: TrustedIdentity[]; trustedRootPath?: string };
  /** PEM files (text before the PEM block, like certtool dumps, is skipped). */
  publicKeyPaths?: string[];
  /** PEM files: the CA anchors (self-signed) and optionally intermediates. */
  certificateChainPaths?: string[];
  /** Certificate method: the leaf must carry one of these SANs (any type). */
  sanPins?: string[];
}

export interface DsseCheckOptions {
  /** Require the OMS bundle media type (v0.3). Default true. */
  requireOmsMediaType?: boolean;
  /** Require this DSSE payloadType. Default application/vnd.in-toto+json. */
  payloadType?: string;
  /** Accept only this method ('auto' or absent: from the bundle's verification material). */
  method?: SignatureMethod | 'auto';
}

export type DsseCheckResult =
  | { ok: true; method: SignatureMethod; signer: Record<string, string>; payloadType: string; payload: Buffer; legacyPae: boolean }
  | { ok: false; code: SignatureCode; reason: string };

const METHOD_OF: Record<ParsedBundle['material']['kind'], SignatureMethod> = { publicKey: 'key', certificate: 'sigstore', chain: 'certificate' };
const METHOD_WORDS: Record<SignatureMethod, string> = { key: 'a public key', sigstore: 'a Sigstore (Fulcio) certificate', certificate: 'a certificate chain' };

/**
 * Verifies a DSSE Sigstore bundle's signature against the trust given (no manifest check).
 * Rejections come back as `{ok: false}`; unreadable or unusable trust files throw SignatureError.
 */
export async function verifyDsseBundle(bundle: Uint8Array, trust: SignatureTrust, o: DsseCheckOptions = {}): Promise<DsseCheckResult> {
  try {
    return await check(bundle, trust, o);
  } catch (error) {
    if (error instanceof SignatureRejection) return { ok: false, code: error.code, reason: error.message };
    throw error;
  }
}

async function check(bytes: Uint8Array, trust: SignatureTrust, o: DsseCheckOptions): Promise<DsseCheckResult> {
  const bundle = parseBundle(bytes, { requireOmsMediaType: o.requireOmsMediaType ?? true });
  const wantedType = o.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
  if (bundle.payloadType !== wantedType) {
    throw new SignatureRejection('SIGNATURE_MALFORMED', `dsseEnvelope.payloadType ${JSON.stringify(bundle.payloadType.slice(0, 80))} is not ${wantedType}`);
  }
  const method = METHOD_OF[bundle.material.kind];
  if (o.method && o.method !== 'auto' && o.method !== method) {
    throw new SignatureRejection('SIGNATURE_UNTRUSTED', `the signature is made with ${METHOD_WORDS[method]}, not with ${METHOD_WORDS[o.method]}`);
  }
  const untrusted = (what: string): never => {
    throw new SignatureRejection('SIGNATURE_UNTRUSTED', `the signature is made with ${METHOD_WORDS[method]} and no trusted ${what} was given`);
  };
  const done = (signer: Record<string, string>, legacyPae: boolean): DsseCheckResult => ({ ok: true, method, signer, payloadType: bundle.payloadType, payload: bundle.payload, legacyPae });

  const material = bundle.material;
  if (material.kind === 'publicKey') {
    if (!trust.publicKeyPaths?.length) return untrusted('public key');
    const r = verifyWithKeys({ ...bundle, material }, await loadPublicKeys(trust.publicKeyPaths));
    return done(r.signer, r.legacyPae);
  }
  if (material.kind === 'chain') {
    if (!trust.certificateChainPaths?.length) return untrusted('CA certificate');
    const r = verifyWithCertificates({ ...bundle, material }, await loadCertificates(trust.certificateChainPaths), trust.sanPins ?? []);
    return done(r.signer, r.legacyPae);
  }
  if (!trust.sigstore?.identities.length) return untrusted('Sigstore identity');
  if (bundle.tlogEntryCount === 0) throw new SignatureRejection('SIGNATURE_INVALID', 'a Sigstore certificate bundle without a transparency log entry');
  const { root } = await loadTrustedRoot(trust.sigstore.trustedRootPath);
  return done(verifyWithSigstore({ ...bundle, material }, root, trust.sigstore.identities).signer, false);
}

export { SignatureError };
