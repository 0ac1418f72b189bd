import * as ort from 'onnxruntime-node';
import { isMeteredBudget } from '../runtime/budget.js';
import { prepareBatch, type InputArray } from '../runtime/feeds.js';
import { ProbeRuntimeError, oneLine, type ProbeRuntimeErrorCode } from '../runtime/errors.js';
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

/**
 * One onnxruntime CPU session over the exposed model: returns the class scores and the exposed
 * tensors. Every sample is charged to the budget before it runs (no custom-op library is ever loaded).
 */
export class ExposedRunner {
  passes = 0;
  private readonly maskType: 'int64' | 'int32' | 'float32' | undefined;
  private readonly fixedFeeds: Record<string, ort.Tensor> = {};
  private readonly fixedBatch: number | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly profile: ProbeProfile,
    readonly names: string[],
    private readonly budget: ProbeBudget,
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

  static async open(model: Uint8Array, profile: ProbeProfile, names: string[], budget: ProbeBudget): Promise<ExposedRunner> {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1, logSeverityLevel: 4,
      });
      return new ExposedRunner(session, profile, names, budget);
    } catch (error) {
      throw new ProbeRuntimeError('PROBE_RUNTIME_LOAD', `onnxruntime could not load the gate-exposed model: ${oneLine(error)}`, { cause: error });
    }
  }

  get remaining(): number {
    return this.budget.remaining();
  }

  async run(inputs: InputArray, n: number): Promise<RunResult> {
    if (isMeteredBudget(this.budget)) this.budget.consume(n);
    else if (this.budget.remaining() < n) throw new ProbeRuntimeError('PROBE_RUNTIME_RUN', 'probe budget exhausted');
    this.passes += n;
    const classes = this.profile.classCount;
    const logits = new Float32Array(n * classes);
    const exposed = new Map<string, ExposedValues>(this.names.map((name) => [name, { perSample: true, values: [] }]));
    const fail = (code: ProbeRuntimeErrorCode, message: string) => new ProbeRuntimeError(code, message);
    for (let start = 0; start < n; start += this.fixedBatch ?? BATCH) {
      const count = Math.min(this.fixedBatch ?? BATCH, n - start);
      const rows = this.fixedBatch ?? count;
      const feeds = { ...prepareBatch(this.profile, inputs, start, count, rows, this.maskType, fail), ...this.fixedFeeds };
      let out: ort.InferenceSession.OnnxValueMapType;
      try {
        out = await this.session.run(feeds, [this.profile.outputName, ...this.names]);
      } catch (error) {
        throw new ProbeRuntimeError('PROBE_RUNTIME_RUN', `inference on the gate-exposed model failed: ${oneLine(error)}`, { cause: error });
      }
      const scores = out[this.profile.outputName] as ort.Tensor;
      const data = scores.data as Float32Array;
      for (let i = 0; i < count * classes; i++) logits[start * classes + i] = Number(data[i]);
      for (const name of this.names) {
        const t = out[name] as ort.Tensor | undefined;
        const entry = exposed.get(name)!;
        if (!t) continue;
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
