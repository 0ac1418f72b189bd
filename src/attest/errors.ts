import { oneLine } from '../verify/oms/errors.js';
import type { AttestCode } from './codes.js';

/** A reason the attestation does not vouch for the model (or could not be checked); caught by verifyAttestation. */
export class AttestRejection extends Error {
  readonly code: AttestCode;
  constructor(code: AttestCode, message: string) {
    super(oneLine(message));
    this.name = 'AttestRejection';
    this.code = code;
  }
}
