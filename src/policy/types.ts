import type { ProbesPolicy } from '../probes/policy.js';
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
  signature: SignaturePolicy;
  sources: SourcesPolicy;
  /** Behavioural probes on ONNX models (docs/probes.md). */
  probes: ProbesPolicy;
}

/** A Sigstore (Fulcio) signer: the certificate's exact SAN and OIDC issuer. */
export interface TrustedSigner {
  identity: string;
  issuer: string;
}

/** What may vouch for a model: the trust given to the OMS signature verifier. Paths are absolute. */
export interface SignatureTrustConfig {
  signers: TrustedSigner[];
  publicKeys: string[];
  certificateChains: string[];
  /** SAN pins for the certificate method (any one must match). */
  certificateIdentities: string[];
  /** Overrides the shipped Sigstore trusted root (a trusted_root.json or a model_signing trust config). */
  trustedRoot: string | null;
}

export interface SignaturePolicy extends SignatureTrustConfig {
  /** A valid signature from a trusted signer must cover every model file. */
  required: boolean;
  /** Where the OMS signature is: relative to the model folder unless absolute. */
  path: string;
  /** Extra model-relative paths left out of the signed manifest. */
  ignorePaths: string[];
}

/** 'commit': a hub revision must be a full commit; 'lockfile': the lockfile must pin the commit fetched. */
export type RevisionPin = 'none' | 'commit' | 'lockfile';

/** Rules for hub targets; none of them applies to a local target. */
export interface SourcesPolicy {
  /** Repository patterns (org/*, org/name, or endpoint-qualified); empty allows any. */
  allow: string[];
  /** Allowed hub endpoints, normalised (no trailing slash); empty allows any. */
  endpoints: string[];
  revision: { pinned: RevisionPin };
  /** Expected commit per repository id. */
  commits: Record<string, string>;
}

export interface LoadedPolicy {
  policy: Policy;
  /** Where it came from: a path, or "builtin:default". */
  source: string;
  /** sha256 of the policy file bytes. */
  sha256: string;
}
