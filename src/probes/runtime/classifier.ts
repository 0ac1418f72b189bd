import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Classifier, ProbeBudget, ProbeProfile } from '../types.js';
import { isMeteredBudget, type MeteredBudget } from './budget.js';
import { ProbeRuntimeError, oneLine } from './errors.js';
import { argmaxRows } from './argmax.js';
import { prepareBatch, type InputArray } from './feeds.js';
import { quoteName } from './profile.js';
import { defaultThreads, openInProcess, type SessionHandle } from './session.js';
import { openInWorker } from './worker-session.js';

export { defaultThreads } from './session.js';

export interface ClassifierOptions {
  /** Samples per session.run (default 64); a model with a fixed batch dim gets exactly that many. */
  batchSize?: number;
  /** Charged one pass per sample before each call runs. */
  budget?: ProbeBudget;
  /** Names the model in error messages; default the file name. */
  label?: string;
  /** intraOpNumThreads; default the machine's parallelism, capped at 4. */
  threads?: number;
  /**
   * 'worker' runs the session in a worker thread: the JS thread stays free during passes and a pass
   * past runTimeoutMs is abandoned with PROBE_RUNTIME_TIMEOUT. Default 'in-process'.
   */
  isolation?: 'in-process' | 'worker';
  /** Per session.run limit in worker isolation (default 60 s). */
  runTimeoutMs?: number;
}

export const DEFAULT_BATCH_SIZE = 64;
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;

/**
 * Opens one CPU InferenceSession for the profile and reuses it for every call. No custom-op library is
 * ever registered, so a model that needs one fails to load here instead of running foreign code.
 */
export async function openClassifier(model: Uint8Array | string, profile: ProbeProfile, o: ClassifierOptions = {}): Promise<Classifier> {
  const label = o.label ?? (typeof model === 'string' ? basename(model) : 'model.onnx');
  const budget = o.budget;
  if (budget && !isMeteredBudget(budget)) throw new TypeError('the classifier needs a budget from createBudget() to charge passes');
  const threads = o.threads ?? defaultThreads();
  let session: SessionHandle;
  try {
    session = o.isolation === 'worker' ? await openInWorker(model, threads, o.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, label) : await openInProcess(model, threads);
  } catch (error) {
    if (error instanceof ProbeRuntimeError) throw error;
    throw new ProbeRuntimeError('PROBE_RUNTIME_LOAD', `${label}: onnxruntime could not load the model: ${oneLine(error)}`, { cause: error });
  }
  try {
    return new OrtClassifier(session, profile, label, budget, o.batchSize ?? DEFAULT_BATCH_SIZE);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}

class OrtClassifier implements Classifier {
  passes = 0;
  private readonly sampleSize: number;
  private readonly fixedBatch: number | undefined;
  private readonly batch: number;
  private readonly fixedFeeds: Record<string, ort.Tensor>;
  private readonly maskType: 'int64' | 'int32' | 'float32' | undefined;
  private closed = false;
  /** Calls run one after another on the one session, in the order they were made. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: SessionHandle,
    readonly profile: ProbeProfile,
    private readonly label: string,
    private readonly budget: MeteredBudget | undefined,
    batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    const input = this.metadata(session.inputMetadata, profile.inputName, 'input');
    this.metadata(session.outputMetadata, profile.outputName, 'output');
    this.sampleSize = profile.sampleShape.reduce((a, b) => a * b, 1);
    const first = input.isTensor ? input.shape[0] : undefined;
    this.fixedBatch = typeof first === 'number' && first > 0 ? first : undefined;
    this.batch = this.fixedBatch ?? batchSize;
    this.fixedFeeds = {};
    for (const [name, spec] of Object.entries(profile.fixedInputs ?? {})) {
      this.metadata(session.inputMetadata, name, 'input');
      const values = spec.type === 'float32' ? Float32Array.from(spec.values) : spec.type === 'int32' ? Int32Array.from(spec.values) : BigInt64Array.from(spec.values.map((v) => BigInt(Math.trunc(v))));
      this.fixedFeeds[name] = new ort.Tensor(spec.type, values, spec.shape);
    }
    const maskName = profile.text?.attentionMaskInput;
    if (maskName !== undefined) {
      const mask = this.metadata(session.inputMetadata, maskName, 'input');
      const type = mask.isTensor ? mask.type : 'unknown';
      if (type !== 'int64' && type !== 'int32' && type !== 'float32') throw this.fail('PROBE_RUNTIME_INPUT', `attention mask ${quoteName(maskName)} is ${type}`);
      this.maskType = type;
    }
  }

  private metadata(list: readonly ort.InferenceSession.ValueMetadata[], name: string, what: string): ort.InferenceSession.ValueMetadata {
    const found = list.find((m) => m.name === name);
    if (!found) throw this.fail('PROBE_RUNTIME_INPUT', `the session has no ${what} ${quoteName(name)}`);
    return found;
  }

  private fail(code: ConstructorParameters<typeof ProbeRuntimeError>[0], message: string, cause?: unknown): ProbeRuntimeError {
    return new ProbeRuntimeError(code, `${this.label}: ${message}`, cause === undefined ? undefined : { cause });
  }

  async classify(inputs: InputArray, n: number): Promise<Float32Array> {
    if (this.closed) throw this.fail('PROBE_RUNTIME_RUN', 'the classifier is closed');
    if (!Number.isInteger(n) || n < 0) throw this.fail('PROBE_RUNTIME_INPUT', `sample count ${n} is not a non-negative integer`);
    if (inputs.length !== n * this.sampleSize) {
      throw this.fail('PROBE_RUNTIME_INPUT', `${inputs.length} values for ${n} samples of ${this.sampleSize}`);
    }
    const classes = this.profile.classCount;
    const scores = new Float32Array(n * classes);
    if (n === 0) return scores;
    this.budget?.consume(n);
    this.passes += n;
    const run = this.queue.then(() => this.runAll(inputs, n, scores));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runAll(inputs: InputArray, n: number, scores: Float32Array): Promise<Float32Array> {
    const classes = this.profile.classCount;
    for (let start = 0; start < n; start += this.batch) {
      const count = Math.min(this.batch, n - start);
      const rows = this.fixedBatch ?? count;
      const feeds = prepareBatch(this.profile, inputs, start, count, rows, this.maskType, this.fail.bind(this));
      Object.assign(feeds, this.fixedFeeds);
      let out: ort.Tensor | undefined;
      try {
        out = await this.session.run(feeds, this.profile.outputName);
      } catch (error) {
        if (error instanceof ProbeRuntimeError) throw error;
        throw this.fail('PROBE_RUNTIME_RUN', `inference failed: ${oneLine(error)}`, error);
      }
      if (!out || (out.type !== 'float32' && out.type !== 'float64') || out.data.length !== rows * classes) {
        const shape = out ? `${out.type} [${out.dims.join(', ')}]` : 'nothing';
        throw this.fail('PROBE_RUNTIME_OUTPUT', `output ${quoteName(this.profile.outputName)} is ${shape}, expected [${rows}, ${classes}] scores`);
      }
      const data = out.data as Float32Array | Float64Array;
      if (data instanceof Float32Array) scores.set(data.subarray(0, count * classes), start * classes);
      else for (let i = 0; i < count * classes; i++) scores[start * classes + i] = data[i]!;
    }
    return scores;
  }

  async predict(inputs: InputArray, n: number): Promise<Int32Array> {
    return argmaxRows(await this.classify(inputs, n), n, this.profile.classCount);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
