import type { IncomingMessage } from 'node:http';
import type { HubErrorReply } from './errors.js';
import type { HubRepo } from './types.js';

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

const NOT_FOUND_HINT = 'Please make sure you specified the correct `repo_id` and `repo_type`. If you are trying to access a private or gated repo, make sure you are authenticated.';

/**
 * The hub's access rules, as the Python client sees them: an unknown or private repo answers 401
 * RepoNotFound to an anonymous caller (deliberately ambiguous); a gated repo lists its files to anyone
 * but serves them only with a valid token (401 GatedRepo without one, 403 GatedRepo with a wrong one).
 */
export function denyAccess(repo: HubRepo | undefined, id: string, route: 'api' | 'resolve', token: string | undefined, valid: string): HubErrorReply | undefined {
  const authorised = token === valid;
  if (!repo) {
    return { status: authorised ? 404 : 401, code: 'RepoNotFound', message: `Repository Not Found for ${id}. ${NOT_FOUND_HINT}` };
  }
  if (repo.private && !authorised) {
    return { status: 401, code: 'RepoNotFound', message: `Repository Not Found for ${id}. ${NOT_FOUND_HINT}` };
  }
  if (repo.gated && route === 'resolve' && !authorised) {
    if (token === undefined) {
      return { status: 401, code: 'GatedRepo', message: `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.` };
    }
    return { status: 403, code: 'GatedRepo', message: `Access to model ${id} is restricted and you are not in the authorized list.` };
  }
  return undefined;
}
