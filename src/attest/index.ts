export { ATTEST_CODES, attestIncomplete, type AttestCode } from './codes.js';
export { CHECK_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE } from './constants.js';
export type { CheckPredicate, CheckStatement, StatementSubject, AttestedSource, ProbeSummary } from './predicate.js';
export { buildStatement, modelRootDigest } from './statement.js';
export { parseCheckStatement } from './parse-statement.js';
export { signAttestation, type AttestationSigner } from './sign.js';
export { verifyAttestation, type VerifyAttestationOptions, type VerifyAttestationResult } from './verify.js';
export { writeAttestationForReport, type WriteAttestationOptions } from './write.js';
