import type { CodeTable } from '../core/finding.js';

export const POLICY_CODES = {
  POLICY_FORMAT_DENIED: { severity: 'high', title: 'The policy does not allow this format' },
  POLICY_PICKLE_FORBIDDEN: { severity: 'high', title: 'The policy forbids pickle-based content (pickle.mode: never)' },
  POLICY_SOURCE_DENIED: { severity: 'high', title: 'The hub repository is not in the policy sources.allow list' },
  POLICY_ENDPOINT_DENIED: { severity: 'critical', title: 'The hub endpoint is not in the policy sources.endpoints list' },
  POLICY_REVISION_UNPINNED: {
    severity: 'critical',
    title: 'The hub revision is a branch or tag where the policy requires a pinned commit (sources.revision.pinned)',
  },
  POLICY_COMMIT_MISMATCH: { severity: 'critical', title: 'The hub commit differs from the one the policy expects (sources.commits)' },
  POLICY_LOCKFILE_UNPINNED: {
    severity: 'critical',
    title: 'The lockfile does not pin the hub repository and commit (sources.revision.pinned: lockfile)',
  },
  POLICY_LOCKFILE_COMMIT_MISMATCH: { severity: 'critical', title: 'The hub commit differs from the one the lockfile pins' },
  POLICY_SIGNATURE_NO_TRUST: {
    severity: 'high',
    title: 'The policy requires a signature but names no trusted signer, public key or CA to verify it with',
    incomplete: true,
  },
  POLICY_SIGNATURE_UNVERIFIED: {
    severity: 'info',
    title: 'A model signature is present but the policy configures no trust to verify it; it is not evidence of anything',
  },
  POLICY_LIMIT_EXCEEDED: { severity: 'high', title: 'The target exceeds a policy limit (total size or file count)' },
  POLICY_NOTHING_SCANNED: { severity: 'high', title: 'The target holds no file to scan', incomplete: true },
} satisfies CodeTable;

/**
 * Provenance codes the policy itself demands: they deny whatever `deny.severity` says, and neither
 * `findings.ignore` nor `findings.severity` can waive or soften them (the signature verifier's SIGNATURE_*
 * codes, SIGNATURE_MISSING included, and the lockfile's mismatch codes get the same treatment, see evaluate.ts).
 */
export const ENFORCED_POLICY_CODE_SET: ReadonlySet<string> = new Set([
  'POLICY_SOURCE_DENIED',
  'POLICY_ENDPOINT_DENIED',
  'POLICY_REVISION_UNPINNED',
  'POLICY_COMMIT_MISMATCH',
  'POLICY_LOCKFILE_UNPINNED',
  'POLICY_LOCKFILE_COMMIT_MISMATCH',
  'POLICY_SIGNATURE_NO_TRUST',
]);
