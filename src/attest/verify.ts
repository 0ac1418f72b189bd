import { open } from 'node:fs/promises';
import { SignatureError, verifyDsseBundle, type SignatureTrust } from '../verify/oms/index.js';
import { attestIncomplete, type AttestCode } from './codes.js';
import { IN_TOTO_PAYLOAD_TYPE } from './constants.js';
import { compareModelWithSubjects, insideModel } from './disk.js';
import { AttestRejection } from './errors.js';
import { parseCheckStatement } from './parse-statement.js';
import type { CheckStatement } from './predicate.js';
import { modelRootDigest } from './statement.js';

/** An attestation bundle bigger than this is not one modelscan wrote (a million subjects fit). */
const MAX_ATTESTATION_BYTES = 256 * 1024 * 1024;

export interface VerifyAttestationOptions {
  modelPath: string;
  attestationPath: string;
  trust: SignatureTrust;
  /** The policy the check must have run under (sha256 hex of the policy file). */
  expectedPolicySha256?: string;
  /** Verdict the attestation must carry (default APPROVE); false accepts any verdict. */
  requireVerdict?: 'APPROVE' | false;
}

export type VerifyAttestationResult =
  | { ok: true; statement: CheckStatement; method: string; signer: Record<string, string>; files: number; rootDigest: string }
  | { ok: false; code: AttestCode; reason: string; incomplete: boolean };

/** Maps the bundle verifier's codes onto ours (src/verify/oms/codes.ts). */
function fromSignatureCode(code: string): AttestCode {
  switch (code) {
    case 'SIGNATURE_MALFORMED':
      return 'ATTEST_BUNDLE_MALFORMED';
    case 'SIGNATURE_UNTRUSTED':
    case 'SIGNATURE_CERTIFICATE_REJECTED':
      return 'ATTEST_SIGNER_UNTRUSTED';
    case 'SIGNATURE_UNSUPPORTED':
      return 'ATTEST_UNSUPPORTED';
    case 'SIGNATURE_UNREADABLE':
      return 'ATTEST_UNREADABLE';
    case 'SIGNATURE_TRUST_INVALID':
      return 'ATTEST_TRUST_INVALID';
    default:
      return 'ATTEST_SIGNATURE_INVALID';
  }
}

async function readAttestation(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
    const st = await handle.stat();
    if (!st.isFile()) throw new AttestRejection('ATTEST_UNREADABLE', `${path}: not a regular file`);
    if (st.size > MAX_ATTESTATION_BYTES) throw new AttestRejection('ATTEST_UNREADABLE', `${path}: ${st.size} bytes, more than ${MAX_ATTESTATION_BYTES}`);
    return await handle.readFile();
  } catch (error) {
    if (error instanceof AttestRejection) throw error;
    throw new AttestRejection('ATTEST_UNREADABLE', `${path}: cannot read attestation (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle?.close();
  }
}

async function verifyOrThrow(o: VerifyAttestationOptions): Promise<Extract<VerifyAttestationResult, { ok: true }>> {
  const bytes = await readAttestation(o.attestationPath);
  let verified;
  try {
    verified = await verifyDsseBundle(bytes, o.trust, { requireOmsMediaType: false, payloadType: IN_TOTO_PAYLOAD_TYPE });
  } catch (error) {
    // Thrown, not returned: the trust given (key file, trusted root) could not be read or used.
    if (error instanceof SignatureError) throw new AttestRejection(error.code === 'SIGNATURE_UNREADABLE' ? 'ATTEST_TRUST_INVALID' : fromSignatureCode(error.code), error.message);
    throw error;
  }
  if (!verified.ok) throw new AttestRejection(fromSignatureCode(verified.code), `${o.attestationPath}: ${verified.reason}`);
  if (verified.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new AttestRejection('ATTEST_STATEMENT_INVALID', `${o.attestationPath}: payloadType ${JSON.stringify(verified.payloadType.slice(0, 80))} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  const statement = parseCheckStatement(verified.payload);
  const p = statement.predicate;

  const required = o.requireVerdict ?? 'APPROVE';
  if (required && p.verdict !== required) {
    const why = p.reasons.length ? `: ${String(p.reasons[0]).slice(0, 200)}` : '';
    throw new AttestRejection('ATTEST_VERDICT_NOT_APPROVE', `the attested verdict is ${p.verdict}${why}`);
  }
  if (o.expectedPolicySha256 !== undefined && p.policy.sha256 !== o.expectedPolicySha256.toLowerCase()) {
    throw new AttestRejection('ATTEST_POLICY_MISMATCH', `checked under policy "${p.policy.name}" sha256 ${p.policy.sha256}, expected ${o.expectedPolicySha256.toLowerCase()}`);
  }

  const fileSubjects = statement.subject.slice(1);
  const rootDigest = modelRootDigest(fileSubjects.map((s) => ({ path: s.name, sha256: s.digest.sha256 })));
  if (rootDigest !== statement.subject[0]!.digest.sha256) {
    throw new AttestRejection('ATTEST_MODEL_DIGEST_MISMATCH', `model subject digest ${statement.subject[0]!.digest.sha256} is not the root digest of the file subjects (${rootDigest})`);
  }
  const skip = new Set(p.excludedPaths);
  const self = await insideModel(o.modelPath, o.attestationPath);
  if (self !== undefined) skip.add(self);
  await compareModelWithSubjects(o.modelPath, new Map(fileSubjects.map((s) => [s.name, s.digest.sha256])), skip);
  return { ok: true, statement, method: verified.method, signer: verified.signer, files: fileSubjects.length, rootDigest };
}

/**
 * Verifies a check attestation against the model on disk: the bundle's signature and signer, the
 * statement's shape, the verdict (APPROVE unless told otherwise), the policy digest when expected, and
 * that the model holds exactly the attested files with the attested sha256s. Never throws for bad input.
 */
export async function verifyAttestation(o: VerifyAttestationOptions): Promise<VerifyAttestationResult> {
  try {
    return await verifyOrThrow(o);
  } catch (error) {
    if (error instanceof AttestRejection) return { ok: false, code: error.code, reason: error.message, incomplete: attestIncomplete(error.code) };
    if (error instanceof SignatureError) return { ok: false, code: 'ATTEST_MODEL_UNREADABLE', reason: error.message, incomplete: true };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, code: 'ATTEST_MODEL_UNREADABLE', reason: `could not verify: ${message}`, incomplete: true };
  }
}
