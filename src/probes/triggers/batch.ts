import type { Evaluator, SampleBatch } from './evaluator.js';

/** A batch, or a function building it: big images are built only when their chunk runs. */
export type BatchSource = SampleBatch | (() => SampleBatch);

const MAX_SAMPLES_PER_CALL = 512;
/** Values held at once across the batches of one classifier call (32 MB of float32). */
const MAX_VALUES_PER_CALL = 8_000_000;

function chunkSize(ev: Evaluator, n: number): number {
  const per = ev.classifier.profile.sampleShape.reduce((a, b) => a * b, 1);
  return Math.max(1, Math.min(Math.floor(MAX_SAMPLES_PER_CALL / n), Math.floor(MAX_VALUES_PER_CALL / Math.max(1, n * per))));
}

function build(source: BatchSource): SampleBatch {
  return typeof source === 'function' ? source() : source;
}

/**
 * Predicts several equally sized batches (one per trigger) with as few classifier calls as memory
 * allows. All batches hold `n` samples of the same type. Returns one label array per batch.
 */
export async function predictBatches(ev: Evaluator, batches: readonly BatchSource[], n: number): Promise<Int32Array[]> {
  if (batches.length === 0 || n === 0) return batches.map(() => new Int32Array(0));
  const out: Int32Array[] = [];
  const perCall = chunkSize(ev, n);
  for (let start = 0; start < batches.length; start += perCall) {
    const group = batches.slice(start, start + perCall);
    const labels = await ev.predict(concat(group.map(build)), group.length * n);
    for (let j = 0; j < group.length; j++) out.push(labels.slice(j * n, (j + 1) * n));
  }
  return out;
}

/** Like predictBatches, but returns each batch's n x classCount scores. */
export async function classifyBatches(ev: Evaluator, batches: readonly BatchSource[], n: number): Promise<Float32Array[]> {
  if (batches.length === 0 || n === 0) return batches.map(() => new Float32Array(0));
  const out: Float32Array[] = [];
  const C = ev.classifier.profile.classCount;
  const perCall = chunkSize(ev, n);
  for (let start = 0; start < batches.length; start += perCall) {
    const group = batches.slice(start, start + perCall);
    const scores = await ev.classify(concat(group.map(build)), group.length * n);
    for (let j = 0; j < group.length; j++) out.push(scores.slice(j * n * C, (j + 1) * n * C));
  }
  return out;
}

function concat(parts: readonly SampleBatch[]): SampleBatch {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const first = parts[0]!;
  const out =
    first instanceof Float32Array ? new Float32Array(total) : first instanceof BigInt64Array ? new BigInt64Array(total) : new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    (out as { set(a: ArrayLike<number | bigint>, o: number): void }).set(p as ArrayLike<number | bigint>, at);
    at += p.length;
  }
  return out;
}
