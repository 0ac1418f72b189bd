import type { SignatureCode } from './codes.js';

/**
 * The check could not be completed: an unreadable model, signature, key or trust file, or trust
 * material that is not usable. Exit 2 in the CLI; an incomplete finding in `check`.
 */
export class SignatureError extends Error {
  readonly code: SignatureCode;
  constructor(code: SignatureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignatureError';
    this.code = code;
  }
}

/** The signature itself is wrong or does not match (a verdict, not a failure to check). */
export class SignatureRejection extends Error {
  readonly code: SignatureCode;
  constructor(code: SignatureCode, message: string) {
    super(message);
    this.name = 'SignatureRejection';
    this.code = code;
  }
}

export function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error instanceof Error ? error.message : 'error');
}
