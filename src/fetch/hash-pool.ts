import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE, type HashReply, type HashRequest } from './hash-worker.js';

/** What a worker tells the job it serves: each reply in order, or that it died (the job cannot finish). */
export interface HashJobEvents {
  reply(message: HashReply): void;
  fail(error: Error): void;
}

const MAX_WORKERS = Math.max(1, Math.min(availableParallelism(), 8));
/** A worker with no job for this long is terminated (a later job starts a fresh one). */
const IDLE_MS = 2_000;

/**
 * One hash worker thread. It is unref'd, except while a reply is awaited (so a process waiting only
 * on a digest does not exit early, and an idle pool never keeps the CLI alive). If it dies (crash,
 * exit, terminate) every job it serves is failed: a download can never succeed unverified.
 */
export class HashWorker {
  private readonly worker: Worker;
  private readonly jobs = new Map<number, HashJobEvents>();
  private awaiting = 0;
  private idle: NodeJS.Timeout | undefined;
  private gone = false;

  constructor(private readonly onGone: (worker: HashWorker) => void) {
    // execArgv: [] so a loader the parent runs under (tsx) is not started again in each worker.
    this.worker = new Worker(HASH_WORKER_SOURCE, { eval: true, execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (message: HashReply) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('messageerror', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`hash worker exited with code ${code}`)));
  }

  get load(): number {
    return this.jobs.size;
  }

  attach(id: number, events: HashJobEvents): void {
    clearTimeout(this.idle);
    this.jobs.set(id, events);
  }

  detach(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0 && !this.gone) this.idle = setTimeout(() => this.retire(), IDLE_MS).unref();
  }

  /** `replies`: the worker answers this message, so keep the process alive until it does. */
  post(message: HashRequest, replies: boolean, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
    if (replies && this.awaiting++ === 0) this.worker.ref();
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private receive(message: HashReply): void {
    if (--this.awaiting === 0) this.worker.unref();
    this.jobs.get(message.id)?.reply(message);
  }

  private fail(error: Error): void {
    if (this.gone) return;
    this.leave();
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) job.fail(error);
  }

  private retire(): void {
    if (this.jobs.size === 0 && !this.gone) this.leave();
  }

  private leave(): void {
    this.gone = true;
    clearTimeout(this.idle);
    this.onGone(this);
    void this.worker.terminate();
  }
}

const workers: HashWorker[] = [];
let nextId = 1;

/** Attaches a new job to the least loaded worker, starting one while fewer than the core count run. */
export function openHashJob(events: HashJobEvents): { worker: HashWorker; id: number } {
  let worker = workers.reduce<HashWorker | undefined>((best, w) => (best === undefined || w.load < best.load ? w : best), undefined);
  if (worker === undefined || (worker.load > 0 && workers.length < MAX_WORKERS)) {
    worker = new HashWorker((gone) => {
      const index = workers.indexOf(gone);
      if (index >= 0) workers.splice(index, 1);
    });
    workers.push(worker);
  }
  const id = nextId++;
  worker.attach(id, events);
  return { worker, id };
}

/** Stops every hash worker now; jobs still running fail (tests use this to simulate a crash). */
export async function terminateHashWorkers(): Promise<void> {
  await Promise.all(workers.slice().map((w) => w.terminate()));
}
