import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubContext } from './context.js';
import { sendError, sendJson } from './errors.js';
import { decodeCursor, encodeCursor, formatLinkNext } from './link.js';
import { directoriesOf, directoryEntry, toTreeEntry, viewFile, type TreeEntry } from './store.js';
import type { HubRepo } from './types.js';

const MAX_BODY = 1024 * 1024;
const DATE = '2024-01-01T00:00:00.000Z';

function revisionNotFound(res: ServerResponse, method: string, revision: string): void {
  sendError(res, method, { status: 404, code: 'RevisionNotFound', message: `Invalid rev id: ${revision}` });
}

/** `GET /api/models/{repo}[/revision/{rev}][?blobs=true]` */
export async function repoInfo(req: IncomingMessage, res: ServerResponse, ctx: HubContext, repo: HubRepo, revision: string | undefined, query: URLSearchParams): Promise<void> {
  const method = req.method ?? 'GET';
  const rev = revision ?? 'main';
  const commit = ctx.store.resolveRevision(repo, rev);
  if (!commit) return revisionNotFound(res, method, rev);
  const blobs = query.get('blobs') === 'true' || query.get('blobs') === '1';
  const views = await Promise.all(ctx.store.files(repo, commit, ctx.faults).map((f) => viewFile(f, ctx.faults)));
  const siblings = views.map((v) => {
    if (!blobs) return { rfilename: v.path };
    const sibling: Record<string, unknown> = { rfilename: v.path, size: v.size, blobId: v.oid };
    if (v.lfs) sibling.lfs = { sha256: v.lfsSha256, size: v.size, pointerSize: v.pointerSize };
    return sibling;
  });
  const [author] = repo.id.split('/');
  sendJson(res, method, {
    _id: createHash('sha1').update(repo.id).digest('hex').slice(0, 24),
    id: repo.id,
    modelId: repo.id,
    author,
    sha: commit,
    lastModified: DATE,
    createdAt: DATE,
    private: repo.private === true,
    gated: repo.gated ? 'manual' : false,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: [],
    siblings,
  });
}

/** `GET /api/models/{repo}/tree/{rev}[/{path}][?recursive=true][&cursor=...]`, paginated with `Link rel="next"`. */
export async function tree(req: IncomingMessage, res: ServerResponse, ctx: HubContext, repo: HubRepo, revision: string, path: string, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const commit = ctx.store.resolveRevision(repo, revision);
  if (!commit) return revisionNotFound(res, method, revision);
  const real = repo.commits[commit] ?? [];
  const dirs = directoriesOf(real);
  if (path !== '' && !dirs.includes(path)) {
    return sendError(res, method, { status: 404, code: 'EntryNotFound', message: `${path} does not exist on "${revision}"` });
  }
  const recursive = url.searchParams.get('recursive') === 'true' || url.searchParams.get('recursive') === '1';
  const prefix = path === '' ? '' : `${path}/`;
  const inScope = (p: string) => p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes('/'));
  const realPaths = new Set(real.map((f) => f.path));
  const files = ctx.store.files(repo, commit, ctx.faults).filter((f) => (realPaths.has(f.path) ? inScope(f.path) : f.path.startsWith(prefix)));
  const entries: TreeEntry[] = [
    ...dirs.filter(inScope).map((d) => directoryEntry(commit, d)),
    ...(await Promise.all(files.map(async (f) => toTreeEntry(await viewFile(f, ctx.faults))))),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const cursor = url.searchParams.get('cursor');
  const offset = cursor === null ? 0 : decodeCursor(cursor);
  if (offset === undefined) return sendError(res, method, { status: 400, message: 'Invalid cursor' });
  const page = entries.slice(offset, offset + ctx.pageSize);
  const headers: Record<string, string> = {};
  if (offset + ctx.pageSize < entries.length) {
    const next = new URL(url.pathname + url.search, ctx.urls.hub);
    next.searchParams.set('cursor', encodeCursor(offset + ctx.pageSize));
    headers.Link = formatLinkNext(next.href);
  }
  sendJson(res, method, page, headers);
}

/** `POST /api/models/{repo}/paths-info/{rev}` with a form (`paths=a&paths=b`) or JSON (`{"paths": [...]}`) body. */
export async function pathsInfo(req: IncomingMessage, res: ServerResponse, ctx: HubContext, repo: HubRepo, revision: string): Promise<void> {
  const method = req.method ?? 'POST';
  const body = await readBody(req);
  if (body === undefined) return sendError(res, method, { status: 413, message: 'Request body too large' });
  const paths = parsePaths(body, req.headers['content-type'] ?? '');
  if (!paths) return sendError(res, method, { status: 400, message: 'Expected "paths" (form or JSON)' });
  const commit = ctx.store.resolveRevision(repo, revision);
  if (!commit) return revisionNotFound(res, method, revision);
  const dirs = new Set(directoriesOf(repo.commits[commit] ?? []));
  const entries: TreeEntry[] = [];
  for (const p of paths) {
    const file = ctx.store.find(repo, commit, p, ctx.faults);
    if (file) entries.push(toTreeEntry(await viewFile(file, ctx.faults)));
    else if (dirs.has(p)) entries.push(directoryEntry(commit, p));
  }
  sendJson(res, method, entries);
}

function parsePaths(body: Buffer, contentType: string): string[] | undefined {
  const text = body.toString('utf8');
  if (contentType.includes('application/json')) {
    try {
      const value = (JSON.parse(text) as { paths?: unknown } | null)?.paths;
      const list = typeof value === 'string' ? [value] : value;
      return Array.isArray(list) && list.every((p) => typeof p === 'string') ? list : undefined;
    } catch {
      return undefined;
    }
  }
  const form = new URLSearchParams(text);
  return form.has('paths') ? form.getAll('paths') : undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
