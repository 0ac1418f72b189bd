import { readFile, stat } from 'node:fs/promises';
import { SIGNATURE_CODES, type SignatureCode } from './codes.js';
import { compareManifests } from './compare.js';
import { verifyDsseBundle, type SignatureMethod, type SignatureTrust } from './dsse.js';
import { SignatureError, SignatureRejection, errnoCode } from './errors.js';
import { verificationIgnores } from './ignore.js';
import { hashModelWithStats, omsRootDigest, type ManifestResource } from './manifest.js';
import { parseShardName } from './paths.js';
import { parseOmsStatement } from './statement.js';

export { SIGNATURE_CODES, SignatureError, verifyDsseBundle };
export type { SignatureCode, SignatureMethod, SignatureTrust, ManifestResource };
export type { DsseCheckOptions, DsseCheckResult } from './dsse.js';
export type { TrustedIdentity } from './verify-sigstore.js';
export { dssePae, legacyPae } from './pae.js';
export { compareOmsPaths, hashModel, hashModelWithStats, omsRootDigest, serializationFromPredicate, serializationToPredicate, resourceAlgorithm } from './manifest.js';
export type { HashType, Serialization, HashModelOptions } from './manifest.js';
export { GIT_IGNORE_DEFAULTS } from './ignore.js';
export { shippedTrustedRootPath } from './trust-root.js';
export { OMS_PREDICATE_V1, OMS_PREDICATE_LEGACY, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1 } from './statement.js';

/** Biggest signature file read (a manifest of ~300k files). */
export const MAX_SIGNATURE_BYTES = 64 * 1024 * 1024;

export interface VerifyModelOptions {
  modelPath: string;
  signaturePath: string;
  /** 'auto' (default): from the bundle's verification material and what `trust` offers. */
  method?: SignatureMethod | 'auto';
  trust: SignatureTrust;
  /** Model-root-relative paths (or absolute paths inside the model) to leave out. */
  ignorePaths?: string[];
  /** Ignore .git, .gitattributes, .github, .gitignore at the top (default true). */
  ignoreGitPaths?: boolean;
  /** Only check the files the signature lists; other files are tolerated. */
  ignoreUnsignedFiles?: boolean;
  /** sha256 per model-relative path already computed by the caller (never hash a file twice). */
  knownSha256?: ReadonlyMap<string, string>;
  /**
   * Folders outside the model its symlinks may point into (a hub cache's blobs/): a symlink whose real
   * target is a regular file inside one of them is verified as that file under the link's name, even
   * when the signature says allow_symlinks: false. Other symlinks keep the signature's rule.
   */
  symlinkRoots?: readonly string[];
  concurrency?: number;
}

export type VerifyModelResult =
  | {
      valid: true;
      method: SignatureMethod;
      signer: Record<string, string>;
      predicateType: string;
      /** The subject digest (v1.0); for the legacy predicate, the same digest computed over its items. */
      rootDigest: string;
      /** The model's manifest as hashed now (equal to the signed one), sorted. */
      resources: ManifestResource[];
      legacy: boolean;
      hashedFiles: number;
      reusedDigests: number;
    }
  | { valid: false; code: SignatureCode; reason: string };

async function readSignature(path: string): Promise<Buffer | null> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOTREG' });
    if (st.size > MAX_SIGNATURE_BYTES) throw Object.assign(new Error('too big'), { code: `over ${MAX_SIGNATURE_BYTES} bytes` });
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SignatureError('SIGNATURE_UNREADABLE', `${path}: cannot read signature (${errnoCode(error)})`);
  }
}

/**
 * Verifies an OMS model signature: the bundle's signature against the trust given, then the model
 * on disk against the signed manifest, re-hashed exactly as the signature's serialization says.
 * A wrong or untrusted signature, or any changed/missing/extra file, is `{valid: false}` with a
 * one-line reason, prefixed with the signature path as given; a check that could not be carried
 * out throws SignatureError.
 */
export async function verifyModelSignature(o: VerifyModelOptions): Promise<VerifyModelResult> {
  const bytes = await readSignature(o.signaturePath);
  if (!bytes) return { valid: false, code: 'SIGNATURE_MISSING', reason: `${o.signaturePath}: no signature file` };
  const checked = await verifyDsseBundle(bytes, o.trust, { requireOmsMediaType: true, method: o.method ?? 'auto' });
  if (!checked.ok) return { valid: false, code: checked.code, reason: `${o.signaturePath}: ${checked.reason}` };
  try {
    const statement = parseOmsStatement(checked.payload);
    if (statement.subjectDigest !== null && omsRootDigest(statement.resources) !== statement.subjectDigest) {
      throw new SignatureRejection('SIGNATURE_MANIFEST_INCONSISTENT', `manifest inconsistent: the resources hash to ${omsRootDigest(statement.resources).slice(0, 16)}…, the subject says ${statement.subjectDigest.slice(0, 16)}…`);
    }
    const s = statement.serialization;
    const ignore = await verificationIgnores(o.modelPath, o.signaturePath, o.ignorePaths ?? [], o.ignoreGitPaths ?? true);
    const only = o.ignoreUnsignedFiles
      ? new Set(statement.resources.map((r) => (s.method === 'shards' ? parseShardName(r.name)!.path : r.name)))
      : undefined;
    const local = await hashModelWithStats(o.modelPath, s, {
      ignore,
      ...(o.knownSha256 ? { knownSha256: o.knownSha256 } : {}),
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(only ? { only } : {}),
      ...(o.symlinkRoots && o.symlinkRoots.length > 0 ? { symlinkRoots: o.symlinkRoots } : {}),
    });
    compareManifests(statement.resources, local.resources, s.method);
    return {
      valid: true,
      method: checked.method,
      signer: checked.signer,
      predicateType: statement.predicateType,
      rootDigest: statement.subjectDigest ?? omsRootDigest(local.resources),
      resources: local.resources,
      legacy: statement.legacy || checked.legacyPae,
      hashedFiles: local.hashedFiles,
      reusedDigests: local.reusedDigests,
    };
  } catch (error) {
    if (error instanceof SignatureRejection) return { valid: false, code: error.code, reason: `${o.signaturePath}: ${error.message}` };
    throw error;
  }
}
