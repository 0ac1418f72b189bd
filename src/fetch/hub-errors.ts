import { isRetryableStatus } from './backoff.js';
import { FetchError, oneLine } from './errors.js';
import { header, type Headers } from './headers.js';

export interface ErrorContext {
  repo: string;
  revision: string;
  /** Repository path, for resolve requests. */
  file?: string;
  tokenSent: boolean;
}

/**
 * The coded error for a non-success hub answer, driven by X-Error-Code as huggingface_hub does.
 * 401 is deliberately ambiguous on the hub (private, gated without token, or missing), so it says so.
 */
export function hubStatusError(status: number, headers: Headers, ctx: ErrorContext): FetchError {
  const code = safeHeader(headers, 'x-error-code');
  const serverMessage = safeHeader(headers, 'x-error-message');
  // A hub or proxy may echo request headers; a message that looks like it carries credentials is dropped
  // whole, since truncation could otherwise cut a token in half and slip past exact-match redaction.
  const looksSecret = serverMessage !== undefined && /bearer|authorization|hf_[A-Za-z0-9]/i.test(serverMessage);
  const said = serverMessage && !looksSecret ? ` (hub: ${oneLine(serverMessage, 200)})` : '';
  const opts = ctx.file !== undefined ? { file: ctx.file } : {};
  const where = ctx.file !== undefined ? `${ctx.file} in ${ctx.repo}@${ctx.revision}` : `${ctx.repo}@${ctx.revision}`;
  if (code === 'GatedRepo') {
    return new FetchError('GATED', `repo ${ctx.repo} is gated: accept its terms on the hub and pass a token (HF_TOKEN or --token-file)`, opts);
  }
  if (code === 'RevisionNotFound') return new FetchError('REVISION_NOT_FOUND', `revision ${ctx.revision} not found in ${ctx.repo}`, opts);
  if (code === 'EntryNotFound') return new FetchError('ENTRY_NOT_FOUND', `file ${ctx.file ?? '?'} not found in ${ctx.repo}@${ctx.revision}`, opts);
  if (status === 401) {
    return ctx.tokenSent
      ? new FetchError('AUTH_REQUIRED', `repo ${ctx.repo}: the hub refused the token (repo is private or gated and the token has no access, or it does not exist)`, opts)
      : new FetchError('AUTH_REQUIRED', `repo ${ctx.repo} needs authentication (private or gated, or it does not exist): pass a token (HF_TOKEN or --token-file)`, opts);
  }
  if (code === 'RepoNotFound') return new FetchError('REPO_NOT_FOUND', `repo ${ctx.repo} not found`, opts);
  if (status === 403) return new FetchError('AUTH_REQUIRED', `access to ${where} is forbidden${said}`, opts);
  if (status === 404) return new FetchError(ctx.file !== undefined ? 'ENTRY_NOT_FOUND' : 'REPO_NOT_FOUND', `${where}: not found (HTTP 404)${said}`, opts);
  return new FetchError('HTTP', `${where}: HTTP ${status}${isRetryableStatus(status) ? ' (retries exhausted)' : ''}${said}`, opts);
}

/** Error headers are advisory: a malformed one must not turn into a different failure. */
function safeHeader(headers: Headers, name: string): string | undefined {
  try {
    return header(headers, name);
  } catch {
    return undefined;
  }
}
