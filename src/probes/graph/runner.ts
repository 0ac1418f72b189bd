import * as ort from 'onnxruntime-node';
import { TimeLimitError } from '../deadline.js';
import { isMeteredBudget } from '../runtime/budget.js';
import { prepareBatch, type InputArray } from '../runtime/feeds.js';
import { ProbeRuntimeError, oneLine, type ProbeRuntimeErrorCode } from '../runtime/errors.js';
import { openInProcess, type SessionHandle } from '../runtime/session.js';
import { openInWorker } from '../runtime/worker-session.js';
import type { ProbeBudget, ProbeProfile } from '../types.js';

/** Exposed tensors of one batch, flattened per sample (or one value list for the whole batch when not batched). */
export interface ExposedValues {
  perSample: boolean;
  /** values[sample] (perSample) or values[0] (batch-wide). */
  values: Float64Array[];
}

export interface RunResult {
  logits: Float32Array;
  exposed: Map<string, ExposedValues>;
}

const BATCH = 64;
/** Per-pass limit when the caller gives none: a hostile Loop must never hang the check. */
export const DEFAULT_EXPOSED_RUN_TIMEOUT_MS = 60_000;

export interface ExposedRunnerOptions {
  /** 'worker' (default): the session runs in a worker thread and a pass past runTimeoutMs is abandoned. */
  isolation?: 'worker' | 'in-process';
  runTimeoutMs?: number;
  /** Epoch ms after which every run is refused with TimeLimitError (probes.time_limit). */
  deadline?: { at: number; limitMs: number };
  /** Most exposed-tensor values one run() may hold (default MAX_EXPOSED_ELEMENTS). */
  maxExposedElements?: number;
}

/** 32 Mi values (256 MiB as Float64): a gate on a huge feature map fails the run instead of exhausting memory. */
export const MAX_EXPOSED_ELEMENTS = 2 ** 25;

/**
 * One onnxruntime CPU session over the exposed model: returns the class scores and the exposed
 * tensors. Every sample is charged to the budget before it runs (no custom-op library is ever loaded).
 * By default the session lives in a worker thread, like the classifier's, so that an input-dependent
 * Loop cannot hang the check: a pass past the run timeout fails with PROBE_RUNTIME_TIMEOUT.
 */
export class ExposedRunner {
  passes = 0;
  private readonly maskType: 'int64' | 'int32' | 'float32' | undefined;
  private readonly fixedFeeds: Record<string, ort.Tensor> = {};
  private readonly fixedBatch: number | undefined;

  private constructor(
    private readonly session: SessionHandle,
    readonly profile: ProbeProfile,
    readonly names: string[],
    private readonly budget: ProbeBudget,
    private readonly deadline: ExposedRunnerOptions['deadline'],
    private readonly maxExposed: number,
  ) {
    const maskName = profile.text?.attentionMaskInput;
    const mask = maskName === undefined ? undefined : session.inputMetadata.find((m) => m.name === maskName);
    const type = mask?.isTensor ? mask.type : undefined;
    this.maskType = type === 'int64' || type === 'int32' || type === 'float32' ? type : undefined;
    for (const [name, spec] of Object.entries(profile.fixedInputs ?? {})) {
      const values = spec.type === 'float32' ? Float32Array.from(spec.values) : spec.type === 'int32' ? Int32Array.from(spec.values) : BigInt64Array.from(spec.values.map((v) => BigInt(Math.trunc(v))));
      this.fixedFeeds[name] = new ort.Tensor(spec.type, values, spec.shape);
    }
    const input = session.inputMetadata.find((m) => m.name === profile.inputName);
    const first = input?.isTensor ? input.shape[0] : undefined;
    this.fixedBatch = typeof first === 'number' && first > 0 ? first : undefined;
  }

  static async open(model: Uint8Array, profile: ProbeProfile, names: string[], budget: ProbeBudget, o: ExposedRunnerOptions = {}): Promise<ExposedRunner> {
    let session: SessionHandle;
    try {
      session = o.isolation === 'in-process' ? await openInProcess(model, 2) : await openInWorker(model, 2, o.runTimeoutMs ?? DEFAULT_EXPOSED_RUN_TIMEOUT_MS, 'gate-exposed model');
    } catch (error) {
      throw new ProbeRuntimeError('PROBE_RUNTIME_LOAD', `onnxruntime could not load the gate-exposed model: ${oneLine(error)}`, { cause: error });
    }
    return new ExposedRunner(session, profile, names, budget, o.deadline, o.maxExposedElements ?? MAX_EXPOSED_ELEMENTS);
  }

  get remaining(): number {
    return this.budget.remaining();
  }

  async run(inputs: InputArray, n: number): Promise<RunResult> {
    if (this.deadline && Date.now() > this.deadline.at) throw new TimeLimitError(this.deadline.limitMs);
    if (isMeteredBudget(this.budget)) this.budget.consume(n);
    else if (this.budget.remaining() < n) throw new ProbeRuntimeError('PROBE_RUNTIME_RUN', 'probe budget exhausted');
    this.passes += n;
    const classes = this.profile.classCount;
    const logits = new Float32Array(n * classes);
    const exposed = new Map<string, ExposedValues>(this.names.map((name) => [name, { perSample: true, values: [] }]));
    const fail = (code: ProbeRuntimeErrorCode, message: string) => new ProbeRuntimeError(code, message);
    let held = 0;
    for (let start = 0; start < n; start += this.fixedBatch ?? BATCH) {
      const count = Math.min(this.fixedBatch ?? BATCH, n - start);
      const rows = this.fixedBatch ?? count;
      const feeds = { ...prepareBatch(this.profile, inputs, start, count, rows, this.maskType, fail), ...this.fixedFeeds };
      let out: Record<string, ort.Tensor>;
      try {
        out = await this.session.runAll(feeds, [this.profile.outputName, ...this.names]);
      } catch (error) {
        if (error instanceof ProbeRuntimeError) throw error;
        throw new ProbeRuntimeError('PROBE_RUNTIME_RUN', `inference on the gate-exposed model failed: ${oneLine(error)}`, { cause: error });
      }
      const scores = out[this.profile.outputName];
      if (!scores) throw new ProbeRuntimeError('PROBE_RUNTIME_RUN', `the gate-exposed model returned no ${this.profile.outputName}`);
      const data = scores.data as Float32Array;
      for (let i = 0; i < count * classes; i++) logits[start * classes + i] = Number(data[i]);
      for (const name of this.names) {
        const t = out[name] as ort.Tensor | undefined;
        const entry = exposed.get(name)!;
        if (!t) continue;
        held += t.data.length;
        if (held > this.maxExposed) throw fail('PROBE_RUNTIME_RUN', `exposed tensors of ${n} samples hold over the cap of ${this.maxExposed} values: gate confirmation stopped to bound memory`);
        const values = Float64Array.from(t.data as ArrayLike<number | bigint | boolean>, (v) => Number(v));
        const batched = t.dims.length > 0 && t.dims[0] === rows && values.length % rows === 0;
        if (!batched) {
          entry.perSample = false;
          entry.values.push(values);
          continue;
        }
        const per = values.length / rows;
        for (let s = 0; s < count; s++) entry.values.push(values.subarray(s * per, (s + 1) * per));
      }
    }
    return { logits, exposed };
  }

  async close(): Promise<void> {
    await this.session.release().catch(() => undefined);
  }
}
