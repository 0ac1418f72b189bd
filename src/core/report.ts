import type { Finding } from './finding.js';
import type { FormatId } from '../formats/types.js';
import type { TargetSource } from '../target.js';
import type { ModelProbeReport } from '../probes/types.js';

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
  /** Behavioural probes, one entry per ONNX model (docs/probes.md). */
  probes?: ModelProbeReport[];
  /** Present when a model signature was found, required, or asked for with --signature. */
  signature?: ReportSignature;
  /** Hub targets only: how the source rules of the policy were applied. */
  provenance?: ReportProvenance;
  /** Present when --attest wrote a signed attestation of this report's verdict. */
  attestation?: { path: string };
  startedAt: string;
  durationMs: number;
}

/**
 * The OMS model signature as `check` saw it. 'verified': valid and from a trusted signer; 'invalid': present
 * and rejected (the finding says why); 'missing': required and absent; 'unverified': present, but the policy
 * gives no trust to verify it with (not evidence); 'unchecked': verification could not be completed.
 */
export interface ReportSignature {
  /** The signature file, relative to the target folder when inside it. */
  path: string;
  status: 'verified' | 'invalid' | 'missing' | 'unverified' | 'unchecked';
  /** 'sigstore' | 'key' | 'certificate' when verified. */
  method?: string;
  /** Who signed, as the verifier names it (e.g. identity and issuer, or the trusted key's file and hint). */
  signer?: Record<string, string>;
  /** The OMS subject digest (sha256 over the signed resources), hex. */
  rootDigest?: string;
  predicateType?: string;
  /** True for the legacy v0.2 encoding. */
  legacy?: boolean;
  /** The finding code when not verified. */
  code?: string;
  reason?: string;
  /** Files hashed again for the signature check, and digests taken from the scan instead. */
  hashedFiles?: number;
  reusedDigests?: number;
}

/** Which hub source rules applied and what they compared. */
export interface ReportProvenance {
  /** False when the policy denied the source before any byte was downloaded. */
  fetched: boolean;
  pinned: 'none' | 'commit' | 'lockfile';
  /** The commit `sources.commits` expects for this repository. */
  expectedCommit?: string;
  /** The commit the lockfile pins for this repository. */
  lockfileCommit?: string;
}
