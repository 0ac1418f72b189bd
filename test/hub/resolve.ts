import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubContext } from './context.js';
import { sendError } from './errors.js';
import { serveFile } from './serve-file.js';
import { signCdnPath } from './signing.js';
import { viewFile } from './store.js';
import type { HubRepo } from './types.js';

const URL_LIFETIME_S = 3600;

/**
 * `HEAD|GET /{repo}/resolve/{rev}/{path}`: a regular file is served here with `ETag` = git sha1; an LFS
 * file (or any file under `redirect-foreign`) answers 302 to a signed CDN URL with `X-Linked-Etag` and
 * `X-Linked-Size`. Every answer about an existing revision carries `X-Repo-Commit`.
 */
export async function resolve(req: IncomingMessage, res: ServerResponse, ctx: HubContext, repo: HubRepo, revision: string, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  const commit = ctx.store.resolveRevision(repo, revision);
  if (!commit) return sendError(res, method, { status: 404, code: 'RevisionNotFound', message: `Invalid rev id: ${revision}` });
  const commitHeader: Record<string, string> = ctx.faults.has('no-repo-commit-header', path) ? {} : { 'X-Repo-Commit': commit };
  const file = ctx.store.find(repo, commit, path, ctx.faults);
  if (!file) return sendError(res, method, { status: 404, code: 'EntryNotFound', message: 'Entry not found', headers: commitHeader });
  const view = await viewFile(file, ctx.faults);
  const foreign = ctx.faults.has('redirect-foreign', path) !== undefined;
  if (!view.lfs && !foreign) {
    return serveFile(req, res, ctx, { file: path, content: view.content, size: view.size, headers: { ...commitHeader, ETag: `"${view.etag}"` } });
  }
  ctx.blobs.set(view.sha256, view.content);
  const signed = signCdnPath(ctx.secret, { sha256: view.sha256, repo: repo.id, file: path, expires: Math.floor(Date.now() / 1000) + URL_LIFETIME_S });
  const location = `${foreign ? ctx.urls.foreign : ctx.urls.cdn}${signed}`;
  // A redirect's own Content-Length is the size of this text, not of the file (huggingface_hub #4699).
  const body = Buffer.from(`Found. Redirecting to ${location}`);
  res.statusCode = 302;
  for (const [k, v] of Object.entries(commitHeader)) res.setHeader(k, v);
  res.setHeader('Location', location);
  res.setHeader('ETag', `"${view.oid}"`);
  res.setHeader('X-Linked-Etag', `"${view.etag}"`);
  res.setHeader('X-Linked-Size', String(view.size));
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(method === 'HEAD' ? undefined : body);
}
