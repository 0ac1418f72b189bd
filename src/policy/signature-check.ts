import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeError } from '../core/errors.js';
import { makeFinding, type Finding } from '../core/finding.js';
import type { ReportSignature } from '../core/report.js';
import { SIGNATURE_CODES } from '../verify/oms/codes.js';
import { SignatureError } from '../verify/oms/errors.js';
import { verifyModelSignature, type SignatureTrust } from '../verify/oms/index.js';
import { POLICY_CODES } from './codes.js';
import type { SignaturePolicy, SignatureTrustConfig } from './types.js';

export interface SignatureCheckInput {
  /** The signature rules with any CLI trust already merged in (see mergeTrust). */
  policy: SignaturePolicy;
  /** The model as OMS sees it: the folder, or the single file. */
  modelPath: string;
  /** The folder `signature.path` is relative to, and report paths are shown relative to. */
  root: string;
  /** --signature: wins over `signature.path`; the signature must then be present. */
  signaturePath?: string;
  /** Digests the scan already computed (model-relative path → sha256 hex): never hashed twice. */
  knownSha256: ReadonlyMap<string, string>;
  /** Model-relative paths that are ours, not the model's (a local folder's modelscan.lock). */
  extraIgnorePaths?: readonly string[];
  /** Folders outside the model its symlinks may point into (a hub snapshot's blobs/): those links are the model's files. */
  symlinkRoots?: readonly string[];
  concurrency?: number;
}

export interface SignatureCheckOutcome {
  /** Absent when there is no signature and none was required or asked for. */
  record?: ReportSignature;
  findings: Finding[];
}

/** Adds the CLI's trust (--identity, --public-key, --certificate-chain, --trust-root) to the policy's. */
export function mergeTrust(policy: SignaturePolicy, extra: Partial<SignatureTrustConfig> = {}): SignaturePolicy {
  return {
    ...policy,
    signers: [...policy.signers, ...(extra.signers ?? [])],
    publicKeys: [...policy.publicKeys, ...(extra.publicKeys ?? []).map((p) => resolve(p))],
    certificateChains: [...policy.certificateChains, ...(extra.certificateChains ?? []).map((p) => resolve(p))],
    certificateIdentities: [...policy.certificateIdentities, ...(extra.certificateIdentities ?? [])],
    trustedRoot: extra.trustedRoot ? resolve(extra.trustedRoot) : policy.trustedRoot,
  };
}

/** True when the policy names something a signature could be verified against. */
export function hasTrust(policy: SignatureTrustConfig): boolean {
  return policy.signers.length > 0 || policy.publicKeys.length > 0 || policy.certificateChains.length > 0;
}

export function toVerifierTrust(policy: SignatureTrustConfig): SignatureTrust {
  return {
    ...(policy.signers.length > 0
      ? { sigstore: { identities: policy.signers.map(({ identity, issuer }) => ({ identity, issuer })), ...(policy.trustedRoot ? { trustedRootPath: policy.trustedRoot } : {}) } }
      : {}),
    ...(policy.publicKeys.length > 0 ? { publicKeyPaths: [...policy.publicKeys] } : {}),
    ...(policy.certificateChains.length > 0 ? { certificateChainPaths: [...policy.certificateChains] } : {}),
    ...(policy.certificateIdentities.length > 0 ? { sanPins: [...policy.certificateIdentities] } : {}),
  };
}

/** The verifier prefixes its reasons with the signature's absolute path; the report names it relative. */
function withoutPath(reason: string, path: string): string {
  return reason.startsWith(`${path}: `) ? reason.slice(path.length + 2) : reason;
}

function shown(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

async function isPresent(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    // Present but unreadable: let the verifier say why (SIGNATURE_UNREADABLE), never "absent".
    return true;
  }
}

/**
 * The signature part of `check`: finds the OMS signature, verifies it with the verify stage (the code
 * behind `modelscan verify`) against the policy's trust, and turns the outcome into findings. A signature
 * that is present and fails denies even when none is required; one that nobody can verify is only noted.
 */
export async function checkSignature(input: SignatureCheckInput): Promise<SignatureCheckOutcome> {
  const { policy, root } = input;
  const signaturePath = input.signaturePath !== undefined ? resolve(input.signaturePath) : isAbsolute(policy.path) ? policy.path : join(root, policy.path);
  const path = shown(root, signaturePath);
  const at = { file: path, location: [] as string[] };
  const required = policy.required || input.signaturePath !== undefined;

  if (!(await isPresent(signaturePath))) {
    if (!required) return { findings: [] };
    const why = input.signaturePath !== undefined ? '--signature names a file that does not exist' : 'the policy requires a model signature (signature.required)';
    return {
      record: { path, status: 'missing', code: 'SIGNATURE_MISSING', reason: `${path}: no signature found` },
      findings: [makeFinding(SIGNATURE_CODES, 'SIGNATURE_MISSING', at, `${path}: no signature found; ${why}`, { path })],
    };
  }

  if (!hasTrust(policy)) {
    const reason = `${path}: a signature is present, but no trusted signer, public key or CA is configured to verify it`;
    if (required)
      return {
        record: { path, status: 'unchecked', code: 'POLICY_SIGNATURE_NO_TRUST', reason },
        findings: [makeFinding(POLICY_CODES, 'POLICY_SIGNATURE_NO_TRUST', at, `${reason} (signature.signers, signature.public_keys or signature.certificate_chains)`, { path })],
      };
    return {
      record: { path, status: 'unverified', code: 'POLICY_SIGNATURE_UNVERIFIED', reason },
      findings: [makeFinding(POLICY_CODES, 'POLICY_SIGNATURE_UNVERIFIED', at, `${reason}; not verified, not evidence`, { path })],
    };
  }

  try {
    const result = await verifyModelSignature({
      modelPath: input.modelPath,
      signaturePath,
      method: 'auto',
      trust: toVerifierTrust(policy),
      ignorePaths: [...policy.ignorePaths, ...(input.extraIgnorePaths ?? [])],
      knownSha256: input.knownSha256,
      ...(input.symlinkRoots && input.symlinkRoots.length > 0 ? { symlinkRoots: input.symlinkRoots } : {}),
      ...(input.concurrency ? { concurrency: input.concurrency } : {}),
    });
    if (result.valid) {
      return {
        record: {
          path,
          status: 'verified',
          method: result.method,
          signer: result.signer,
          rootDigest: result.rootDigest,
          predicateType: result.predicateType,
          legacy: result.legacy,
          hashedFiles: result.hashedFiles,
          reusedDigests: result.reusedDigests,
        },
        findings: [],
      };
    }
    const reason = withoutPath(result.reason, signaturePath);
    return {
      record: { path, status: 'invalid', code: result.code, reason },
      findings: [makeFinding(SIGNATURE_CODES, result.code, at, `${path}: ${reason}`, { path })],
    };
  } catch (error) {
    if (!(error instanceof SignatureError)) throw error;
    // Could not be completed (unreadable file, unusable trust material): an incomplete finding, so DENY.
    const reason = withoutPath(describeError(error), signaturePath);
    return {
      record: { path, status: 'unchecked', code: error.code, reason },
      findings: [makeFinding(SIGNATURE_CODES, error.code, at, `${path}: ${reason}`, { path })],
    };
  }
}
