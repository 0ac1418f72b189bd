import type { ServerResponse } from 'node:http';

export type HubErrorCode = 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound' | 'GatedRepo';

export interface HubErrorReply {
  status: number;
  code?: HubErrorCode;
  message: string;
  headers?: Record<string, string>;
}

/** An error the way the hub sends it: `X-Error-Code`, `X-Error-Message` and a JSON `{error}` body. */
export function sendError(res: ServerResponse, method: string, reply: HubErrorReply): void {
  const body = Buffer.from(JSON.stringify({ error: reply.message }));
  res.statusCode = reply.status;
  if (reply.code) res.setHeader('X-Error-Code', reply.code);
  // Header values must be latin-1 without control characters; messages may quote hostile names.
  res.setHeader('X-Error-Message', reply.message.replace(/[^\x20-\x7e]/g, '?'));
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.end(method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, method: string, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(method === 'HEAD' ? undefined : body);
}
