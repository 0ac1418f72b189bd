/** Why a signature could not be produced. Every one is "could not complete" (exit 2) for `sign` and `check --attest`. */
export type SignErrorCode =
  | 'SIGN_KEY_INVALID'
  | 'SIGN_CERTIFICATE_INVALID'
  | 'SIGN_TOKEN_INVALID'
  | 'SIGN_KEYLESS_FAILED'
  | 'SIGN_MODEL_UNREADABLE'
  | 'SIGN_OUTPUT_UNWRITABLE';

export class SignError extends Error {
  readonly code: SignErrorCode;
  constructor(code: SignErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignError';
    this.code = code;
  }
}
