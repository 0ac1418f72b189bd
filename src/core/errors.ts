/** Error codes for failures that stop a check from completing (exit 2). Stable: documented in README. */
export type ErrorCode =
  | 'USAGE'
  | 'TARGET_NOT_FOUND'
  | 'TARGET_UNREADABLE'
  | 'POLICY_INVALID'
  | 'LOCKFILE_INVALID'
  | 'OUTPUT_UNWRITABLE'
  | 'INTERNAL';

export class ModelscanError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelscanError';
    this.code = code;
  }
}

/** Raised by parsers for input that is not what it claims to be; always caught and turned into a finding. */
export class FormatError extends Error {
  readonly code: string;
  readonly offset: number | undefined;
  constructor(code: string, message: string, offset?: number) {
    super(message);
    this.name = 'FormatError';
    this.code = code;
    this.offset = offset;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
