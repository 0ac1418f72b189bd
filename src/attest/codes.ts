import type { CodeTable } from '../core/finding.js';

/**
 * Outcomes of `attest verify`. The `incomplete` ones mean the verification could not be carried out
 * (exit 2); every other one means the attestation does not vouch for the model on disk (exit 1).
 */
export const ATTEST_CODES = {
  ATTEST_UNREADABLE: { severity: 'high', title: 'The attestation file could not be read', incomplete: true },
  ATTEST_TRUST_INVALID: { severity: 'high', title: 'The given trust material (key, trusted root) is not usable', incomplete: true },
  ATTEST_UNSUPPORTED: { severity: 'high', title: 'The attestation bundle uses a format or key type this tool does not support', incomplete: true },
  ATTEST_MODEL_UNREADABLE: { severity: 'high', title: 'The model, or one of its files, could not be read for hashing', incomplete: true },
  ATTEST_BUNDLE_MALFORMED: { severity: 'critical', title: 'The attestation is not a well-formed Sigstore DSSE bundle' },
  ATTEST_SIGNATURE_INVALID: { severity: 'critical', title: 'The attestation signature does not verify' },
  ATTEST_SIGNER_UNTRUSTED: { severity: 'critical', title: 'The attestation is not signed by a trusted key or identity' },
  ATTEST_STATEMENT_INVALID: { severity: 'critical', title: 'The signed payload is not a modelscan check statement (in-toto v1, predicate check/v1)' },
  ATTEST_MODEL_DIGEST_MISMATCH: { severity: 'critical', title: 'The model subject digest does not match the file subjects of the statement' },
  ATTEST_FILE_CHANGED: { severity: 'critical', title: 'A model file differs from its digest in the attestation' },
  ATTEST_FILE_MISSING: { severity: 'critical', title: 'A file the attestation covers is missing from the model' },
  ATTEST_FILE_EXTRA: { severity: 'critical', title: 'The model holds a file the attestation does not cover' },
  ATTEST_MODEL_ENTRY_REJECTED: { severity: 'critical', title: 'The model holds a symlink leaving it, a broken symlink or a special file' },
  ATTEST_VERDICT_NOT_APPROVE: { severity: 'critical', title: 'The attested verdict is not APPROVE' },
  ATTEST_POLICY_MISMATCH: { severity: 'critical', title: 'The attested policy digest is not the expected one' },
} satisfies CodeTable;

export type AttestCode = keyof typeof ATTEST_CODES;

/** True for codes meaning "could not verify" rather than "verified and rejected". */
export function attestIncomplete(code: AttestCode): boolean {
  return (ATTEST_CODES[code] as { incomplete?: boolean }).incomplete === true;
}
