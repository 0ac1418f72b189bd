import { Worker } from 'node:worker_threads';
import { OMS_HASH_WORKER_SOURCE } from './hash-worker-source.js';

export interface HashTask {
  path: string;
  algorithm: 'sha256' | 'blake2b512';
  /** Byte ranges [start, end) to hash separately, or null for the whole file. */
  ranges: Array<[number, number]> | null;
  /** Expected bytes, used only to hand the biggest tasks out first. */
  weight: number;
  /**
   * The file's size when it was listed: a different size when it is opened is an error (ECHANGED).
   * Needed for ranges, which are cut from that size: bytes appended later would go unhashed.
   */
  size?: number;
}

export type HashOutcome = { digests: string[] } | { error: string };

interface Reply {
  id: number;
  digests?: string[];
  error?: string;
}

/**
 * Hashes the tasks on up to `concurrency` worker threads (one streaming pass per task), biggest
 * first. Resolves with one outcome per task in input order; rejects only if a worker dies.
 */
export async function runHashTasks(tasks: readonly HashTask[], concurrency: number): Promise<HashOutcome[]> {
  const outcomes: HashOutcome[] = new Array(tasks.length);
  if (tasks.length === 0) return outcomes;
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[b]!.weight - tasks[a]!.weight);
  let next = 0;
  const workerCount = Math.max(1, Math.min(concurrency, tasks.length));
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: workerCount }, () => {
        // execArgv: [] so a loader the parent runs under (tsx) is not started again in each worker.
        const worker = new Worker(OMS_HASH_WORKER_SOURCE, { eval: true, execArgv: [] });
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          const feed = () => {
            if (next >= order.length) return resolve();
            const id = order[next++]!;
            const t = tasks[id]!;
            worker.postMessage({ id, path: t.path, algorithm: t.algorithm, ranges: t.ranges, size: t.size ?? null });
          };
          worker.on('message', (reply: Reply) => {
            outcomes[reply.id] = reply.error !== undefined ? { error: reply.error } : { digests: reply.digests ?? [] };
            feed();
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`hash worker exited with code ${code}`)));
          feed();
        });
      }),
    );
  } finally {
    for (const worker of workers) {
      worker.removeAllListeners('exit');
      void worker.terminate();
    }
  }
  return outcomes;
}
