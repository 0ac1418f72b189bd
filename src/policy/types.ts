import type { Severity } from '../core/severity.js';
import type { FormatId } from '../formats/types.js';

/** An organisation's policy, as validated from YAML (keys documented in docs/policy.md). */
export interface Policy {
  name: string;
  description: string;
  /** Non-waived findings at or above this severity make the verdict DENY. */
  denySeverity: Severity;
  formats: {
    /** When set, only these formats may appear (top-level files and nested payloads). */
    allow: FormatId[] | null;
    /** These formats may never appear. */
    deny: FormatId[];
  };
  pickle: {
    /** 'allowlisted': pickles pass when every import is allowlisted; 'never': any pickle denies. */
    mode: 'allowlisted' | 'never';
    /** Extra globals treated as allowlisted: exact "module.name" or "package.*". */
    allowGlobals: string[];
  };
  findings: {
    /** Codes waived by the organisation (never codes that mean "not fully analysed"). */
    ignore: string[];
    /** Per-code severity overrides. */
    severity: Record<string, Severity>;
  };
  limits: {
    maxFileSize: number | null;
    maxTotalSize: number | null;
    maxFiles: number | null;
  };
  lockfile: {
    required: boolean;
    /** Relative to the target folder unless absolute. */
    path: string;
  };
  /** Provenance and behaviour checks filled in by later stages; requiring one that cannot run denies. */
  signature: { required: boolean };
  sources: { allow: string[] };
  probes: { required: boolean };
}

export interface LoadedPolicy {
  policy: Policy;
  /** Where it came from: a path, or "builtin:default". */
  source: string;
  /** sha256 of the policy file bytes. */
  sha256: string;
}
