import type { CodeTable } from '../../core/finding.js';

/**
 * Outcomes of an OMS model-signing check. A signature that fails or is not from a trusted signer is
 * critical; the `incomplete` ones mean the check could not be carried out (deny under every policy).
 */
export const SIGNATURE_CODES = {
  SIGNATURE_MISSING: { severity: 'critical', title: 'No model signature was found where one is required' },
  SIGNATURE_MALFORMED: { severity: 'critical', title: 'The signature file is not a well-formed OMS Sigstore bundle' },
  SIGNATURE_UNSUPPORTED: { severity: 'high', title: 'The signature uses a format, key type or serialization this tool does not support', incomplete: true },
  SIGNATURE_INVALID: { severity: 'critical', title: 'The cryptographic signature does not verify' },
  SIGNATURE_UNTRUSTED: { severity: 'critical', title: 'The signature is not from a trusted signer (identity, issuer, key or CA)' },
  SIGNATURE_CERTIFICATE_REJECTED: { severity: 'critical', title: 'A certificate of the signing chain is not valid for code signing' },
  SIGNATURE_MANIFEST_INCONSISTENT: { severity: 'critical', title: 'The signed manifest does not match its own subject digest' },
  SIGNATURE_FILE_CHANGED: { severity: 'critical', title: 'A model file differs from the digest in the signature' },
  SIGNATURE_FILE_MISSING: { severity: 'critical', title: 'A file listed in the signature is missing from the model' },
  SIGNATURE_FILE_EXTRA: { severity: 'critical', title: 'The model holds a file the signature does not cover' },
  SIGNATURE_MODEL_ENTRY_REJECTED: { severity: 'critical', title: 'The model holds a symlink the signature does not allow, or a special file' },
  SIGNATURE_UNREADABLE: { severity: 'high', title: 'The signature, a key, a certificate or a trust root could not be read', incomplete: true },
  SIGNATURE_MODEL_UNREADABLE: { severity: 'high', title: 'A model file could not be read for hashing', incomplete: true },
  SIGNATURE_TRUST_INVALID: { severity: 'high', title: 'The given trust material (key, CA chain, trusted root) is not usable', incomplete: true },
} satisfies CodeTable;

export type SignatureCode = keyof typeof SIGNATURE_CODES;
