/**
 * The hash worker's code, run with `new Worker(HASH_WORKER_SOURCE, { eval: true })` so it needs no
 * separate file next to the compiled module (works the same from src/ under tsx/vitest and from dist/).
 *
 * Protocol (one worker serves several jobs, messages on its port are handled in order):
 *   {op:'open', id, gitBlob, size}   start a job
 *   {op:'update', id, chunks}        hash the chunks (transferred, not copied) -> {op:'done', id, chunks}
 *                                    (the chunks' memory is transferred back: the main thread frees it
 *                                    with the rest of its garbage, instead of each worker holding its own
 *                                    slack of dead buffers until its next GC)
 *   {op:'reset', id}                 start the job's digests over
 *   {op:'digest', id}                finish and forget the job     -> {op:'digest', id, bytes, sha256, gitSha1}
 *   {op:'close', id}                 forget the job
 */
export const HASH_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
function start(job) {
  job.sha256 = createHash('sha256');
  job.bytes = 0;
  job.sha1 = job.gitBlob ? createHash('sha1').update('blob ' + job.size + '\0') : undefined;
}
parentPort.on('message', (m) => {
  const job = jobs.get(m.id);
  switch (m.op) {
    case 'open': {
      const created = { gitBlob: m.gitBlob, size: m.size };
      start(created);
      jobs.set(m.id, created);
      return;
    }
    case 'update': {
      for (const chunk of m.chunks) {
        job.bytes += chunk.length;
        job.sha256.update(chunk);
        if (job.sha1) job.sha1.update(chunk);
      }
      // The memory goes back to the main thread to be freed there with the rest of its garbage.
      parentPort.postMessage({ op: 'done', id: m.id, chunks: m.chunks }, m.chunks.map((c) => c.buffer));
      return;
    }
    case 'reset':
      start(job);
      return;
    case 'digest':
      jobs.delete(m.id);
      parentPort.postMessage({ op: 'digest', id: m.id, bytes: job.bytes, sha256: job.sha256.digest('hex'), gitSha1: job.sha1 ? job.sha1.digest('hex') : undefined });
      return;
    case 'close':
      jobs.delete(m.id);
      return;
    default:
      throw new Error('unknown hash worker message ' + String(m.op));
  }
});
`;

export type HashRequest =
  | { op: 'open'; id: number; gitBlob: boolean; size: number }
  | { op: 'update'; id: number; chunks: Uint8Array[] }
  | { op: 'reset' | 'digest' | 'close'; id: number };

export type HashReply = { op: 'done'; id: number; chunks: Uint8Array[] } | { op: 'digest'; id: number; bytes: number; sha256: string; gitSha1: string | undefined };
