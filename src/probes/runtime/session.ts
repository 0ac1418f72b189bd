import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';

/** What the classifier needs from a session, wherever it runs (this thread or a worker). */
export interface SessionHandle {
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** Runs once and returns the one fetched output. */
  run(feeds: Record<string, ort.Tensor>, fetch: string): Promise<ort.Tensor | undefined>;
  /** Runs once and returns every fetched output that the model produced, by name. */
  runAll(feeds: Record<string, ort.Tensor>, fetch: string[]): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** CPU only, full graph optimisation, no custom-op library ever registered. */
export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Errors reach the caller as typed one-line errors; ORT's own log would only repeat them on stderr.
    logSeverityLevel: 4,
  };
}

/** A session on this thread. onnxruntime-node runs it synchronously on the JS thread (inside a setImmediate). */
export async function openInProcess(model: Uint8Array | string, threads: number): Promise<SessionHandle> {
  const options = sessionOptions(threads);
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  return {
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    async run(feeds, fetch) {
      const result = await session.run(feeds, [fetch]);
      return result[fetch] as ort.Tensor | undefined;
    },
    async runAll(feeds, fetch) {
      return (await session.run(feeds, fetch)) as Record<string, ort.Tensor>;
    },
    release: () => session.release(),
  };
}
