import { FetchError } from './errors.js';
import type { RepoId } from './repo-id.js';
import { encodeRevision, strictQuote } from './revision.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** Validates an endpoint (http/https, no credentials, query or fragment) and strips trailing slashes. */
export function normalizeEndpoint(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    // Never echo the input: a malformed URL may still carry user:token@ credentials.
    throw new FetchError('PROTOCOL', 'invalid endpoint: not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError('PROTOCOL', `invalid endpoint: scheme ${url.protocol} is not http or https`);
  if (url.username || url.password) throw new FetchError('PROTOCOL', 'invalid endpoint: credentials in the URL are not allowed (use a token)');
  if (url.search || url.hash) throw new FetchError('PROTOCOL', 'invalid endpoint: query and fragment are not allowed');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Scheme, host and port, as the browser same-origin rule compares them. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

export function sameOrigin(a: string, b: string): boolean {
  try {
    return originOf(a) === originOf(b);
  } catch {
    return false;
  }
}

/** Python's `quote(filename)`: slashes kept, everything else outside [A-Za-z0-9_.~-] encoded. */
export function quotePath(path: string): string {
  return strictQuote(path, '/');
}

export function revisionInfoUrl(endpoint: string, repo: RepoId, revision: string): string {
  return `${endpoint}/api/models/${repo.id}/revision/${encodeRevision(revision)}`;
}

export function treeUrl(endpoint: string, repo: RepoId, commit: string): string {
  return `${endpoint}/api/models/${repo.id}/tree/${encodeRevision(commit)}?recursive=true`;
}

export function resolveUrl(endpoint: string, repo: RepoId, commit: string, path: string): string {
  return `${endpoint}/${repo.id}/resolve/${encodeRevision(commit)}/${quotePath(path)}`;
}
