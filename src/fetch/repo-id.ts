import { FetchError } from './errors.js';

export interface RepoId {
  /** `org/name`, or `name` for namespace-less repositories (`gpt2`). */
  id: string;
  namespace: string | undefined;
  name: string;
}

// huggingface_hub `validate_repo_id`, restricted to ASCII word characters: each part starts and
// ends with [A-Za-z0-9_], holds only [A-Za-z0-9_.-], is at most 96 characters long.
const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;

/** Parses and validates a model repository id; throws INVALID_REPO_ID. */
export function parseRepoId(input: string): RepoId {
  const fail = (why: string): never => {
    throw new FetchError('INVALID_REPO_ID', `invalid repo id ${JSON.stringify(input.slice(0, 120))}: ${why}`);
  };
  if (typeof input !== 'string' || input.length === 0) fail('empty');
  const parts = input.split('/');
  if (parts.length > 2) fail("expected 'org/name' or 'name'");
  for (const part of parts) {
    if (!PART.test(part)) fail('each part is 1-96 of [A-Za-z0-9_.-], not starting or ending with - or .');
  }
  if (input.includes('--') || input.includes('..')) fail("'--' and '..' are not allowed");
  if (input.endsWith('.git')) fail("cannot end with '.git'");
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { id: input, namespace: undefined, name: first } : { id: input, namespace: first, name: second };
}

/** `models--org--name`: the cache folder of a model repository (`--` cannot occur in ids). */
export function repoFolderName(repo: RepoId): string {
  return ['models', ...repo.id.split('/')].join('--');
}
