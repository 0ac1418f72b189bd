import type { CodeTable } from '../core/finding.js';

export const POLICY_CODES = {
  POLICY_FORMAT_DENIED: { severity: 'high', title: 'The policy does not allow this format' },
  POLICY_PICKLE_FORBIDDEN: { severity: 'high', title: 'The policy forbids pickle-based content (pickle.mode: never)' },
  POLICY_SOURCE_DENIED: { severity: 'high', title: 'The hub repository is not in the policy sources.allow list' },
  POLICY_LIMIT_EXCEEDED: { severity: 'high', title: 'The target exceeds a policy limit (total size or file count)' },
  POLICY_CHECK_UNAVAILABLE: {
    severity: 'high',
    title: 'The policy requires a check this version cannot run (signature, probes)',
    incomplete: true,
  },
  POLICY_NOTHING_SCANNED: { severity: 'high', title: 'The target holds no file to scan', incomplete: true },
} satisfies CodeTable;
