import type { Verdict } from '../core/report.js';

export type SeverityCounts = Record<'critical' | 'high' | 'medium' | 'low' | 'info', number>;

export type AttestedSource =
  | { kind: 'local'; path: string }
  | { kind: 'hub'; endpoint: string; repo: string; revision: string; commit: string };

export interface ProbeSummary {
  models: Array<{
    file: string;
    passes: number;
    conclusion: string;
    stages: Array<{ stage: string; status: string; outcome: string }>;
  }>;
}

/** The predicate of a check attestation (predicateType CHECK_PREDICATE_TYPE). */
export interface CheckPredicate {
  verdict: Verdict;
  /** One line per reason the verdict is DENY; empty on APPROVE. */
  reasons: string[];
  tool: { name: string; version: string };
  policy: { name: string; source: string; sha256: string };
  source: AttestedSource;
  /** The whole model: subject[0] of the statement. */
  model: {
    name: string;
    /** OMS root digest: files serialization, sha256, over exactly the file subjects. */
    rootDigest: { sha256: string };
    files: number;
    bytes: number;
  };
  /** Paths under the model that the check left out by design (its lockfile); `attest verify` skips them too. */
  excludedPaths: string[];
  findings: {
    total: number;
    bySeverity: SeverityCounts;
    /** Findings that made the verdict DENY on their own. */
    denying: number;
    denyingCodes: string[];
    waived: number;
  };
  lockfile?: { path: string; status: string };
  probes?: ProbeSummary;
  signature?: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
}

export interface StatementSubject {
  name: string;
  digest: { sha256: string };
}

export interface CheckStatement {
  _type: string;
  /** subject[0] is the whole model (OMS root digest); every later subject is one model file. */
  subject: StatementSubject[];
  predicateType: string;
  predicate: CheckPredicate;
}
