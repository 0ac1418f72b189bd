import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ProbeRuntimeError } from './errors.js';
import type { SessionHandle } from './session.js';
import { sessionOptions } from './session.js';
import { INFERENCE_WORKER_SOURCE } from './worker-source.js';

type Reply =
  | { op: 'ready'; inputMetadata: ort.InferenceSession.ValueMetadata[]; outputMetadata: ort.InferenceSession.ValueMetadata[] }
  | { op: 'load-error'; message: string }
  | { op: 'result'; id: number; type?: ort.Tensor.Type; dims?: number[]; data?: ort.Tensor.DataType }
  | { op: 'results'; id: number; outputs: Array<{ name: string; type: ort.Tensor.Type; dims: number[]; data: ort.Tensor.DataType }> }
  | { op: 'error'; id: number; message: string };

const ORT_PATH = createRequire(import.meta.url).resolve('onnxruntime-node');
let abandoned = 0;

/**
 * Passes abandoned at their time limit in this process. Their native run cannot be interrupted and
 * keeps its thread alive, so a CLI that abandoned one must end with process.exit, not a natural exit.
 */
export function abandonedRuns(): number {
  return abandoned;
}

/**
 * A session in its own worker thread. The JS thread stays free while a pass runs (onnxruntime-node
 * runs synchronously on the thread that calls it), and a run that exceeds `timeoutMs` is abandoned:
 * the caller gets PROBE_RUNTIME_TIMEOUT and the worker is terminated and unref'd. A native run cannot
 * be interrupted, so a process that abandoned one must end with process.exit.
 */
export async function openInWorker(model: Uint8Array | string, threads: number, timeoutMs: number, label: string): Promise<SessionHandle> {
  const worker = new Worker(INFERENCE_WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    workerData: { ortPath: ORT_PATH, model: typeof model === 'string' ? model : Uint8Array.from(model), options: sessionOptions(threads) },
  });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let dead: Error | undefined;
  const die = (error: Error) => {
    dead ??= error;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  let ready!: (r: Reply) => void;
  const first = new Promise<Reply>((resolve, reject) => {
    ready = resolve;
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`inference worker exited with code ${code}`)));
  });
  worker.on('message', (m: Reply) => {
    if (m.op === 'ready' || m.op === 'load-error') return ready(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    p?.resolve(m);
  });
  worker.on('error', (e) => die(e));
  worker.on('exit', (code) => die(new Error(`inference worker exited with code ${code}`)));
  const hello = await first.catch((e: Error) => ({ op: 'load-error' as const, message: e.message }));
  if (hello.op !== 'ready') {
    void worker.terminate();
    throw new ProbeRuntimeError('PROBE_RUNTIME_LOAD', `${label}: onnxruntime could not load the model: ${hello.op === 'load-error' ? hello.message : 'no answer'}`);
  }
  worker.unref();
  let nextId = 0;
  type Wire = { name: string; type: ort.Tensor.Type; dims: number[]; data: ort.Tensor.DataType };
  /** Posts one pass and waits for its answer, abandoning the worker once `timeoutMs` has passed. */
  async function send(op: 'run' | 'run-all', feeds: Record<string, ort.Tensor>, fetch: string | string[]): Promise<Reply> {
    if (dead) throw dead;
    const id = nextId++;
    // Copy each view: posting a subarray would clone its whole underlying buffer.
    const payload = Object.entries(feeds).map(([name, t]) => ({ name, type: t.type, dims: [...t.dims], data: (t.data as Float32Array).slice() }));
    const reply = new Promise<Reply>((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ op, id, feeds: payload, fetch }, payload.map((f) => f.data.buffer as ArrayBuffer));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned++;
        const error = new ProbeRuntimeError('PROBE_RUNTIME_TIMEOUT', `${label}: a forward pass ran past ${timeoutMs} ms and was abandoned`);
        die(error);
        worker.unref();
        void worker.terminate();
        reject(error);
      }, timeoutMs);
    });
    try {
      const m = await Promise.race([reply, timeout]);
      if (m.op === 'error') throw new Error(m.message);
      return m;
    } finally {
      clearTimeout(timer);
    }
  }
  const tensor = (w: Wire) => new ort.Tensor(w.type, w.data as Float32Array, w.dims);
  return {
    inputMetadata: hello.inputMetadata,
    outputMetadata: hello.outputMetadata,
    async run(feeds, fetch) {
      const m = await send('run', feeds, fetch);
      if (m.op !== 'result' || m.type === undefined) return undefined;
      return tensor({ name: fetch, type: m.type, dims: m.dims!, data: m.data! });
    },
    async runAll(feeds, fetch) {
      const m = await send('run-all', feeds, fetch);
      const out: Record<string, ort.Tensor> = {};
      if (m.op === 'results') for (const w of m.outputs) out[w.name] = tensor(w);
      return out;
    },
    async release() {
      if (dead) return;
      dead = new Error('the session is closed');
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ op: 'close' });
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
      worker.unref();
    },
  };
}
