import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, denyAccess } from './access.js';
import { pathsInfo, repoInfo, tree } from './api.js';
import { cdn, plain } from './cdn.js';
import type { HubContext } from './context.js';
import { sendError } from './errors.js';
import { FaultBook, type FaultRoute } from './faults.js';
import { resolve } from './resolve.js';
import { parseRoute, type HubRoute } from './routes.js';
import { verifyCdnUrl } from './signing.js';
import { RepoStore } from './store.js';
import type { Hub, HubFault, HubOrigin, HubRequest, StartHubOptions } from './types.js';

export type { Hub, HubContent, HubFault, HubFile, HubLazyContent, HubOrigin, HubRepo, HubRequest, StartHubOptions } from './types.js';
export { commitSha, gitBlobSha1 } from './hashes.js';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/**
 * A Hugging Face-compatible hub on three loopback origins: the hub (API + resolve), its CDN (LFS bytes
 * behind signed URLs) and a foreign origin that only exists to catch an Authorization header sent off-site.
 */
export async function startHub(options: StartHubOptions = {}): Promise<Hub> {
  const requests: HubRequest[] = [];
  const wakers = new Set<() => void>();
  const ctx: HubContext = {
    store: new RepoStore(),
    faults: new FaultBook(),
    token: options.token ?? `hf_${randomBytes(17).toString('hex')}`,
    pageSize: options.pageSize ?? 1000,
    secret: randomBytes(32),
    urls: { hub: '', cdn: '', foreign: '' },
    blobs: new Map(),
    sleep: (ms, res) =>
      new Promise((done) => {
        const wake = () => {
          clearTimeout(timer);
          res.off('close', wake);
          wakers.delete(wake);
          done();
        };
        const timer = setTimeout(wake, ms);
        res.once('close', wake);
        wakers.add(wake);
      }),
  };

  const servers: Server[] = [];
  const listen = async (origin: HubOrigin, handler: Handler): Promise<string> => {
    let base = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', base);
      requests.push({ origin, method: req.method ?? '', url: url.href, headers: { ...req.headers } });
      handler(req, res, url).catch(() => {
        if (!res.headersSent) sendError(res, req.method ?? 'GET', { status: 500, message: 'Internal Error' });
        else res.destroy();
      });
    });
    servers.push(server);
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return base;
  };

  ctx.urls.hub = await listen('hub', (req, res, url) => handleHub(req, res, url, ctx));
  ctx.urls.cdn = await listen('cdn', (req, res, url) => handleCdn(req, res, url, ctx, 'cdn'));
  ctx.urls.foreign = await listen('foreign', (req, res, url) => handleCdn(req, res, url, ctx, undefined));

  return {
    url: ctx.urls.hub,
    cdnUrl: ctx.urls.cdn,
    foreignUrl: ctx.urls.foreign,
    token: ctx.token,
    requests,
    addRepo: (repo) => ctx.store.add(repo),
    fault: (fault: HubFault) => ctx.faults.add(fault),
    clearFaults: () => ctx.faults.clear(),
    foreignAuthorizations: () =>
      requests.filter((r) => r.origin === 'foreign').flatMap((r) => {
        const value = r.headers.authorization;
        return value === undefined ? [] : Array.isArray(value) ? value : [value];
      }),
    close: async () => {
      for (const server of servers) server.closeAllConnections();
      for (const wake of [...wakers]) wake();
      await Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok()))));
    },
  };
}

async function handleHub(req: IncomingMessage, res: ServerResponse, url: URL, ctx: HubContext): Promise<void> {
  const method = req.method ?? 'GET';
  let route: HubRoute;
  try {
    route = parseRoute(url.pathname);
  } catch {
    return sendError(res, method, { status: 400, message: 'Malformed percent-encoding in URL' });
  }
  if (route.kind === 'unknown') return plain(res, 404, 'Not Found');
  const kind: FaultRoute = route.kind === 'resolve' ? 'resolve' : 'api';
  if (injectStatus(res, method, ctx, kind, route.kind === 'resolve' ? route.path : undefined)) return;

  const allowed = route.kind === 'paths-info' ? ['POST'] : ['GET', 'HEAD'];
  if (!allowed.includes(method)) return plain(res, 405, 'Method Not Allowed');
  const repo = ctx.store.get(route.repo);
  const denied = denyAccess(repo, route.repo, kind, bearerToken(req), ctx.token);
  if (denied || !repo) return sendError(res, method, denied ?? { status: 404, code: 'RepoNotFound', message: 'Repository not found' });

  switch (route.kind) {
    case 'repo-info':
      return repoInfo(req, res, ctx, repo, route.revision, url.searchParams);
    case 'tree':
      return tree(req, res, ctx, repo, route.revision, route.path, url);
    case 'paths-info':
      return pathsInfo(req, res, ctx, repo, route.revision);
    case 'resolve':
      return resolve(req, res, ctx, repo, route.revision, route.path);
  }
}

async function handleCdn(req: IncomingMessage, res: ServerResponse, url: URL, ctx: HubContext, faultRoute: 'cdn' | undefined): Promise<void> {
  const method = req.method ?? 'GET';
  const grant = verifyCdnUrl(ctx.secret, url, Math.floor(Date.now() / 1000));
  // Status faults target the real CDN only; the foreign origin is a trap, not a service.
  if (faultRoute && injectStatus(res, method, ctx, faultRoute, grant?.file)) return;
  if (method !== 'GET' && method !== 'HEAD') return plain(res, 405, 'Method Not Allowed');
  return cdn(req, res, ctx, grant);
}

function injectStatus(res: ServerResponse, method: string, ctx: HubContext, route: FaultRoute, file: string | undefined): boolean {
  const fault = ctx.faults.takeStatus(route, file);
  if (!fault) return false;
  const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
  sendError(res, method, { status: fault.status, message: `Injected fault: HTTP ${fault.status}`, headers });
  return true;
}
