import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentSize } from './content.js';
import type { HubContext } from './context.js';
import { serveFile } from './serve-file.js';
import type { CdnGrant } from './signing.js';

/** The CDN (and the foreign origin) serve a blob by sha256, only through a URL the hub signed. */
export async function cdn(req: IncomingMessage, res: ServerResponse, ctx: HubContext, grant: CdnGrant | undefined): Promise<void> {
  if (!grant) return plain(res, 403, '<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>', 'application/xml');
  const content = ctx.blobs.get(grant.sha256);
  if (!content) return plain(res, 404, '<Error><Code>NoSuchKey</Code></Error>', 'application/xml');
  await serveFile(req, res, ctx, {
    file: grant.file,
    content,
    size: contentSize(content),
    headers: { ETag: `"${grant.sha256}"`, 'Cache-Control': 'public, max-age=604800, immutable' },
  });
}

export function plain(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  const body = Buffer.from(text);
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
