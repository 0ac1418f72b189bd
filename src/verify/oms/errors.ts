import type { SignatureCode } from './codes.js';

/**
 * The check could not be completed: an unreadable model, signature, key or trust file, or trust
 * material that is not usable. Exit 2 in the CLI; an incomplete finding in `check`.
 */
export class SignatureError extends Error {
  readonly code: SignatureCode;
  constructor(code: SignatureCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.name = 'SignatureError';
    this.code = code;
  }
}

/** The signature itself is wrong or does not match (a verdict, not a failure to check). */
export class SignatureRejection extends Error {
  readonly code: SignatureCode;
  constructor(code: SignatureCode, message: string) {
    super(oneLine(message));
    this.name = 'SignatureRejection';
    this.code = code;
  }
}

/**
 * A reason as one printable line: control characters (from a bundle, a certificate, a parser's
 * message) are escaped, so a hostile value can neither add lines to the output nor drive a terminal.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error instanceof Error ? error.message : 'error');
}
