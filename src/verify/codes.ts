import type { CodeTable } from '../core/finding.js';

export const LOCKFILE_CODES = {
  LOCKFILE_NOT_FOUND: { severity: 'high', title: 'The policy requires a lockfile and none was found', incomplete: true },
  LOCKFILE_INVALID: { severity: 'high', title: 'The lockfile is not valid modelscan.lock JSON', incomplete: true },
  LOCKFILE_MISMATCH: { severity: 'critical', title: 'A file differs from the digest or size pinned in the lockfile' },
  LOCKFILE_MISSING_FILE: { severity: 'critical', title: 'A file pinned in the lockfile is missing' },
  LOCKFILE_EXTRA_FILE: { severity: 'critical', title: 'A file is present that the lockfile does not pin' },
} satisfies CodeTable;
