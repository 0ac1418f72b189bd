import type { Finding } from './finding.js';
import type { FormatId } from '../formats/types.js';
import type { TargetSource } from '../target.js';

export type Verdict = 'APPROVE' | 'DENY';

/** One file of the target as scanned. */
export interface ScannedFile {
  /** Path relative to the target root, "/"-separated. */
  path: string;
  size: number;
  sha256: string;
  format: FormatId;
  /** Format-specific facts from the parser (see docs/report.md). */
  facts: Record<string, unknown>;
  /** Every nested payload scanned inside the file (archive entries, decompressed bodies, embedded pickles). */
  nested: Array<{ location: string; format: FormatId }>;
}

/** The formats stage's output for a whole target. */
export interface ScanResult {
  /** The target as the user gave it. */
  target: string;
  /** Absolute folder the relative paths are relative to. */
  root: string;
  files: ScannedFile[];
  findings: Finding[];
}

/** A finding as the report shows it: with whether the policy let it deny. */
export interface ReportFinding extends Finding {
  /** Set when the policy waived this finding (findings.ignore or pickle.allowGlobals); the reason. */
  waived?: string;
  /** True when this finding alone makes the verdict DENY. */
  denies: boolean;
}

export interface Report {
  /** Bumped only on incompatible changes to this shape. */
  schemaVersion: 1;
  tool: { name: 'modelscan'; version: string };
  verdict: Verdict;
  target: string;
  /** Where the scanned bytes came from: a local path, or a hub repository pinned to a commit. */
  source: TargetSource;
  policy: { name: string; source: string; sha256: string };
  /** One line per reason the verdict is DENY; empty on APPROVE. */
  reasons: string[];
  summary: {
    files: number;
    bytes: number;
    findings: Record<'critical' | 'high' | 'medium' | 'low' | 'info', number>;
    denying: number;
  };
  files: ScannedFile[];
  findings: ReportFinding[];
  lockfile?: { path: string; status: 'verified' | 'mismatch' | 'not-found' };
  startedAt: string;
  durationMs: number;
}
