import type { ServerResponse } from 'node:http';
import { readContent } from './content.js';
import type { HubContent } from './types.js';

const CHUNK = 1024 * 1024;

/** How to spoil one response body. Offsets: `dropAfter`/`stall.after` count this body's bytes, `flipAt`/`cutAt` are file offsets. */
export interface BodyPlan {
  dropAfter?: number;
  stall?: { after: number; ms: number };
  flipAt?: number;
  cutAt?: number;
}

/** Waits `ms`, or less if the response closes or the hub shuts down. */
export type Sleep = (ms: number, res: ServerResponse) => Promise<void>;

/**
 * Streams `content[start, end)` in 1 MiB slices, waiting for `drain` (backpressure: a Buffer is never
 * copied, lazy content is read one slice at a time). Headers, Content-Length included, are the caller's.
 */
export async function streamBody(res: ServerResponse, content: HubContent, start: number, end: number, plan: BodyPlan, sleep: Sleep): Promise<void> {
  const total = end - start;
  const cut = Math.min(plan.dropAfter ?? Infinity, plan.cutAt === undefined ? Infinity : Math.max(0, plan.cutAt - start));
  const stallAt = plan.stall?.after;
  let stalled = stallAt === undefined;
  let sent = 0;
  while (sent < total) {
    if (res.destroyed) return;
    if (!stalled && sent >= (stallAt ?? 0)) {
      stalled = true;
      res.flushHeaders();
      await sleep(plan.stall?.ms ?? 0, res);
      continue;
    }
    if (sent >= cut) break;
    const length = Math.min(CHUNK, total - sent, cut - sent, stalled ? Infinity : (stallAt ?? Infinity) - sent);
    let chunk = await readContent(content, start + sent, length);
    const flip = plan.flipAt === undefined ? -1 : plan.flipAt - (start + sent);
    if (flip >= 0 && flip < length) {
      chunk = Buffer.from(chunk);
      chunk[flip] = (chunk[flip] ?? 0) ^ 0xff;
    }
    if (!res.write(chunk)) await drained(res);
    sent += length;
  }
  if (sent < total) return closeEarly(res);
  res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Ends the connection once what was written has reached the kernel: the peer sees a short body. */
function closeEarly(res: ServerResponse): Promise<void> {
  res.flushHeaders();
  const socket = res.socket;
  if (!socket || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.end(() => {
      socket.destroy();
      resolve();
    });
  });
}
