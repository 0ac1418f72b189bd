import { decodeBase64 } from './base64.js';
import { SignatureRejection } from './errors.js';

export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Older Sigstore bundle media types (accepted for generic DSSE bundles, never for OMS signatures). */
const OLDER_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
];

/** Most certificates, transparency-log entries or timestamps one bundle may carry. */
const MAX_LIST = 16;

export type VerificationMaterial =
  /** `hint` null when absent or empty (v1.0.x bundles carry `rawBytes` instead, which is not trusted). */
  | { kind: 'publicKey'; hint: string | null }
  /** A single (Fulcio) certificate: the Sigstore method. */
  | { kind: 'certificate'; leafDer: Buffer }
  /** Leaf first, then the signer's intermediates: the certificate method. */
  | { kind: 'chain'; certificatesDer: Buffer[] };

export interface ParsedBundle {
  mediaType: string;
  material: VerificationMaterial;
  tlogEntryCount: number;
  payloadType: string;
  payload: Buffer;
  signature: Buffer;
  /** The parsed JSON, for @sigstore/bundle. */
  json: Record<string, unknown>;
}

function malformed(why: string): never {
  throw new SignatureRejection('SIGNATURE_MALFORMED', why);
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) malformed(`${where} is not an object`);
  return value as Record<string, unknown>;
}

function bytesAt(value: unknown, where: string): Buffer {
  const bytes = decodeBase64(value);
  if (!bytes || bytes.length === 0) malformed(`${where} is not non-empty base64`);
  return bytes;
}

/**
 * Strict parse of a Sigstore bundle holding one DSSE envelope. Tolerates what model_signing writers
 * emit: `keyid` null/absent/"", no `tlogEntries`, the v1.0.x `publicKey.rawBytes` + `keyDetails` form.
 * Throws SignatureRejection (SIGNATURE_MALFORMED) on anything else.
 */
export function parseBundle(bytes: Uint8Array, o: { requireOmsMediaType: boolean }): ParsedBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    malformed(`not JSON (${(error as Error).message.slice(0, 80)})`);
  }
  const json = objectAt(raw, 'the bundle');
  const mediaType = json['mediaType'];
  if (typeof mediaType !== 'string') malformed('no mediaType');
  if (mediaType !== BUNDLE_V03_MEDIA_TYPE && (o.requireOmsMediaType || !OLDER_MEDIA_TYPES.includes(mediaType))) {
    malformed(`mediaType ${JSON.stringify(mediaType.slice(0, 80))} is not ${BUNDLE_V03_MEDIA_TYPE}`);
  }
  if (json['messageSignature'] !== undefined) malformed('a messageSignature bundle, not a DSSE envelope');
  const vm = objectAt(json['verificationMaterial'], 'verificationMaterial');
  const material = parseMaterial(vm);
  const tlog = vm['tlogEntries'];
  if (tlog !== undefined && !Array.isArray(tlog)) malformed('verificationMaterial.tlogEntries is not a list');
  // Signers write one entry and at most a few timestamps; a long list would only make verification slow.
  if (Array.isArray(tlog) && tlog.length > MAX_LIST) malformed(`verificationMaterial.tlogEntries holds more than ${MAX_LIST} entries`);
  const tsv = vm['timestampVerificationData'];
  const stamps = tsv && typeof tsv === 'object' ? (tsv as Record<string, unknown>)['rfc3161Timestamps'] : undefined;
  if (Array.isArray(stamps) && stamps.length > MAX_LIST) malformed(`verificationMaterial.timestampVerificationData holds more than ${MAX_LIST} timestamps`);

  const envelope = objectAt(json['dsseEnvelope'], 'dsseEnvelope');
  const payloadType = envelope['payloadType'];
  if (typeof payloadType !== 'string' || payloadType === '') malformed('dsseEnvelope.payloadType is not a string');
  const payload = decodeBase64(envelope['payload']);
  if (!payload) malformed('dsseEnvelope.payload is not base64');
  const signatures = envelope['signatures'];
  if (!Array.isArray(signatures) || signatures.length !== 1) malformed('dsseEnvelope.signatures must hold exactly one signature');
  const first = objectAt(signatures[0], 'dsseEnvelope.signatures[0]');
  const keyid = first['keyid'];
  if (keyid !== undefined && keyid !== null && typeof keyid !== 'string') malformed('dsseEnvelope.signatures[0].keyid is not a string');
  const signature = bytesAt(first['sig'], 'dsseEnvelope.signatures[0].sig');
  return { mediaType, material, tlogEntryCount: Array.isArray(tlog) ? tlog.length : 0, payloadType, payload, signature, json };
}

function parseMaterial(vm: Record<string, unknown>): VerificationMaterial {
  const kinds = ['publicKey', 'certificate', 'x509CertificateChain'].filter((k) => vm[k] !== undefined && vm[k] !== null);
  if (kinds.length !== 1) malformed(`verificationMaterial must hold exactly one of publicKey, certificate, x509CertificateChain (found ${kinds.length})`);
  if (kinds[0] === 'publicKey') {
    const key = objectAt(vm['publicKey'], 'verificationMaterial.publicKey');
    const hint = key['hint'];
    if (hint !== undefined && hint !== null && typeof hint !== 'string') malformed('verificationMaterial.publicKey.hint is not a string');
    if (key['rawBytes'] !== undefined && !decodeBase64(key['rawBytes'])) malformed('verificationMaterial.publicKey.rawBytes is not base64');
    return { kind: 'publicKey', hint: typeof hint === 'string' && hint !== '' ? hint : null };
  }
  if (kinds[0] === 'certificate') {
    const cert = objectAt(vm['certificate'], 'verificationMaterial.certificate');
    return { kind: 'certificate', leafDer: bytesAt(cert['rawBytes'], 'verificationMaterial.certificate.rawBytes') };
  }
  const chain = objectAt(vm['x509CertificateChain'], 'verificationMaterial.x509CertificateChain');
  const certificates = chain['certificates'];
  if (!Array.isArray(certificates) || certificates.length === 0) malformed('verificationMaterial.x509CertificateChain.certificates is empty');
  if (certificates.length > MAX_LIST) malformed(`verificationMaterial.x509CertificateChain holds more than ${MAX_LIST} certificates`);
  return {
    kind: 'chain',
    certificatesDer: certificates.map((c, i) => bytesAt(objectAt(c, `certificates[${i}]`)['rawBytes'], `x509CertificateChain.certificates[${i}].rawBytes`)),
  };
}
