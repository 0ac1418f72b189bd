/** Stable codes of the fetch stage; documented in docs/fetch.md. */
export type FetchErrorCode =
  | 'INVALID_REPO_ID'
  | 'AUTH_REQUIRED'
  | 'GATED'
  | 'REPO_NOT_FOUND'
  | 'REVISION_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'PROTOCOL'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'HTTP'
  | 'INTEGRITY'
  | 'UNSAFE_PATH'
  | 'DISK_FULL'
  | 'OFFLINE_MISS'
  | 'CACHE_CORRUPT'
  | 'LOCKED';

export const FETCH_ERROR_CODES: readonly FetchErrorCode[] = [
  'INVALID_REPO_ID',
  'AUTH_REQUIRED',
  'GATED',
  'REPO_NOT_FOUND',
  'REVISION_NOT_FOUND',
  'ENTRY_NOT_FOUND',
  'PROTOCOL',
  'NETWORK',
  'TIMEOUT',
  'HTTP',
  'INTEGRITY',
  'UNSAFE_PATH',
  'DISK_FULL',
  'OFFLINE_MISS',
  'CACHE_CORRUPT',
  'LOCKED',
];

/** Collapses hub-supplied or system text to one printable line of bounded length. */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export class FetchError extends Error {
  readonly code: FetchErrorCode;
  /** Repository path of the file concerned, when there is one. */
  readonly file: string | undefined;
  constructor(code: FetchErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    super(oneLine(message, 1000), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'FetchError';
    this.code = code;
    this.file = options?.file;
  }
}

/**
 * Returns an error whose message, stack and cause chain cannot carry `secret`: the hub (or a proxy)
 * may echo request headers back in an error body, and that text ends up in messages.
 */
export function redactError(error: FetchError, secret: string | undefined): FetchError {
  if (!secret) return error;
  let tainted = false;
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    const text = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    if (text.includes(secret)) tainted = true;
    if (!(e instanceof Error)) break;
  }
  if (!tainted) return error;
  return new FetchError(error.code, error.message.split(secret).join('[REDACTED]'), error.file !== undefined ? { file: error.file } : {});
}

export function isFetchError(error: unknown, code?: FetchErrorCode): error is FetchError {
  return error instanceof FetchError && (code === undefined || error.code === code);
}
