import { FetchError } from './errors.js';
import { parseNextLink, header } from './headers.js';
import type { HubHttp } from './http.js';
import type { RepoId } from './repo-id.js';
import { isCommitSha } from './revision.js';
import { parseTreeEntry, type TreeEntry } from './tree.js';
import { revisionInfoUrl, sameOrigin, treeUrl } from './urls.js';

const MAX_JSON_BYTES = 64 * 1024 * 1024;
const MAX_PAGES = 10_000;
const MAX_ENTRIES = 1_000_000;

/** `GET /api/models/{repo}/revision/{rev}` -> the commit sha the revision names now. */
export async function resolveCommit(http: HubHttp, repo: RepoId, revision: string): Promise<string> {
  const { json } = await http.getJson(revisionInfoUrl(http.settings.endpoint, repo, revision), { repo: repo.id, revision, tokenSent: http.tokenSent }, MAX_JSON_BYTES);
  if (typeof json !== 'object' || json === null) throw new FetchError('PROTOCOL', `hub answered revision ${revision} of ${repo.id} with a non-object`);
  const info = json as { id?: unknown; sha?: unknown };
  if (typeof info.sha !== 'string' || !isCommitSha(info.sha)) throw new FetchError('PROTOCOL', `hub gave no 40-hex commit for ${repo.id}@${revision}`);
  if (info.id !== undefined && (typeof info.id !== 'string' || info.id.toLowerCase() !== repo.id.toLowerCase())) {
    throw new FetchError('PROTOCOL', `hub answered for another repo than ${repo.id}`);
  }
  if (isCommitSha(revision) && info.sha !== revision) throw new FetchError('PROTOCOL', `hub resolved commit ${revision} to a different commit`);
  return info.sha;
}

/**
 * Every entry of the tree at `commit`, following `Link: rel="next"`. Next links must stay on the
 * endpoint's origin (they carry the token) and may not loop.
 */
export async function listTree(http: HubHttp, repo: RepoId, commit: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  const seen = new Set<string>();
  let url: string | undefined = treeUrl(http.settings.endpoint, repo, commit);
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_PAGES || seen.has(url)) throw new FetchError('PROTOCOL', `hub tree listing of ${repo.id} loops or has too many pages`);
    seen.add(url);
    const res = await http.getJson(url, { repo: repo.id, revision: commit, tokenSent: http.tokenSent }, MAX_JSON_BYTES);
    if (!Array.isArray(res.json)) throw new FetchError('PROTOCOL', `hub tree listing of ${repo.id} is not an array`);
    for (const raw of res.json) entries.push(parseTreeEntry(raw));
    if (entries.length > MAX_ENTRIES) throw new FetchError('PROTOCOL', `hub tree listing of ${repo.id} has more than ${MAX_ENTRIES} entries`);
    const next = parseNextLink(header(res.headers, 'link'), res.url);
    if (next !== undefined && !sameOrigin(next, http.settings.endpoint)) throw new FetchError('PROTOCOL', `hub tree listing of ${repo.id} points its next page off the endpoint`);
    url = next;
  }
  return entries;
}
