import type { IncomingMessage, ServerResponse } from 'node:http';
import { streamBody, type BodyPlan } from './body.js';
import type { HubContext } from './context.js';
import { contentRange, parseRange } from './range.js';
import type { HubContent } from './types.js';

export interface ServedFile {
  /** The repo path, which body faults are keyed by. */
  file: string;
  content: HubContent;
  size: number;
  headers: Record<string, string>;
}

/** 200, 206 or 416 with the bytes of one file, spoiled by whatever body faults are armed for it. */
export async function serveFile(req: IncomingMessage, res: ServerResponse, ctx: HubContext, served: ServedFile): Promise<void> {
  const { faults } = ctx;
  const { file, size } = served;
  const range = faults.has('range-ignored', file) ? ({ kind: 'full' } as const) : parseRange(req.headers.range, size);
  for (const [k, v] of Object.entries(served.headers)) res.setHeader(k, v);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  if (range.kind === 'unsatisfiable') {
    res.statusCode = 416;
    res.setHeader('Content-Range', `bytes */${size}`);
    res.setHeader('Content-Length', 0);
    res.end();
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end + 1] : [0, size];
  res.statusCode = range.kind === 'partial' ? 206 : 200;
  if (range.kind === 'partial') res.setHeader('Content-Range', contentRange(start, end - 1, size));
  res.setHeader('Content-Length', end - start);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const plan: BodyPlan = {};
  const drop = faults.takeBody('drop-mid-body', file);
  if (drop) plan.dropAfter = drop.afterBytes;
  const stall = faults.takeBody('stall', file);
  if (stall) plan.stall = { after: stall.afterBytes, ms: stall.ms };
  if (faults.has('wrong-bytes', file)) plan.flipAt = Math.floor(size / 2);
  const truncate = faults.has('truncate', file);
  if (truncate) plan.cutAt = truncate.bytes;
  await streamBody(res, served.content, start, end, plan, ctx.sleep);
}
