import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Classifier, ProbeProfile } from '../../../src/probes/types.js';
import { BudgetExhaustedError, createBudget, inferProfile, isUnprobeable, openClassifier, ProbeRuntimeError } from '../../../src/probes/runtime/index.js';
import { bagOfTokensModel, bagOfTokensScores, buildModel, FLOAT, floats, INT32, linearImageModel, linearScores, node, seeded, value } from './onnx-builder.js';

const MNIST = readFileSync(new URL('../../../../shared/realmodels/migraphx-doc/mnist-8.onnx', import.meta.url));
const open: Classifier[] = [];
afterAll(async () => Promise.all(open.map((c) => c.close())));

function profileOf(bytes: Uint8Array, hints: Parameters<typeof inferProfile>[1] = {}): ProbeProfile {
  const p = inferProfile(bytes, hints);
  if (isUnprobeable(p)) throw new Error(p.unprobeable);
  return p;
}

async function track(c: Promise<Classifier>): Promise<Classifier> {
  const classifier = await c;
  open.push(classifier);
  return classifier;
}

/** A hand-drawn "1": a vertical stroke in the middle of a 28×28 canvas, raw 0..255 like MNIST. */
function strokeOne(): Float32Array {
  const x = new Float32Array(28 * 28);
  for (let r = 4; r < 24; r++) for (let c = 13; c < 16; c++) x[r * 28 + c] = 255;
  return x;
}

describe('openClassifier on mnist-8 (fixed batch 1)', () => {
  it('loops a fixed batch dim of 1, matches a bare session.run, and counts every sample', async () => {
    const budget = createBudget(100);
    const classifier = await track(openClassifier(MNIST, profileOf(MNIST, { range: [0, 255] }), { budget, batchSize: 64 }));
    const n = 5;
    const inputs = new Float32Array(n * 784);
    inputs.set(strokeOne(), 0);
    inputs.set(seeded(784, 9).map((v) => (v + 1) * 127.5), 784);
    const scores = await classifier.classify(inputs, n);
    expect(scores.length).toBe(n * 10);
    expect(classifier.passes).toBe(n);
    expect(budget.used()).toBe(n);

    const bare = await ort.InferenceSession.create(MNIST, { executionProviders: ['cpu'] });
    for (let i = 0; i < 2; i++) {
      const out = await bare.run({ Input3: new ort.Tensor('float32', inputs.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
      const expected = out['Plus214_Output_0']!.data as Float32Array;
      for (let k = 0; k < 10; k++) expect(scores[i * 10 + k]).toBeCloseTo(expected[k]!, 3);
    }
    await bare.release();
    const labels = await classifier.predict(strokeOne(), 1);
    expect(labels[0]).toBe(1);
  });

  it('refuses a request the budget cannot cover before running any of it', async () => {
    const budget = createBudget(3);
    const classifier = await track(openClassifier(MNIST, profileOf(MNIST, { range: [0, 255] }), { budget }));
    await classifier.classify(new Float32Array(2 * 784), 2);
    const error = await classifier.classify(new Float32Array(2 * 784), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect((error as BudgetExhaustedError).message).toContain('2 passes requested, 1 of 3 left');
    expect(classifier.passes).toBe(2);
    expect(budget.remaining()).toBe(1);
  });
});

describe('openClassifier on built models (dynamic batch)', () => {
  it('batches, normalises per channel and returns n × C scores equal to the reference computation', async () => {
    const { bytes, weights, bias } = linearImageModel({ channels: 3, height: 4, width: 4, classes: 5 });
    const mean = [0.5, 0.25, 0.1];
    const std = [0.5, 0.25, 2];
    const profile = profileOf(bytes, { mean, std });
    const classifier = await track(openClassifier(bytes, profile, { batchSize: 4 }));
    const n = 10;
    const raw = seeded(n * 48, 5).map((v) => (v + 1) / 2);
    const scores = await classifier.classify(raw, n);
    for (let i = 0; i < n; i++) {
      const x = Array.from(raw.subarray(i * 48, (i + 1) * 48), (v, j) => (v - mean[Math.floor(j / 16)]!) / std[Math.floor(j / 16)]!);
      const expected = linearScores(x, weights, bias, 5);
      for (let k = 0; k < 5; k++) expect(scores[i * 5 + k]).toBeCloseTo(expected[k]!, 4);
    }
    expect(classifier.passes).toBe(n);
    // Concurrent calls are queued on the one session and each gets its own answer.
    const [a, b] = await Promise.all([classifier.classify(raw.subarray(0, 48), 1), classifier.classify(raw.subarray(48, 96), 1)]);
    expect(Array.from(a)).toEqual(Array.from(scores.subarray(0, 5)));
    expect(Array.from(b)).toEqual(Array.from(scores.subarray(5, 10)));
    expect(classifier.passes).toBe(n + 2);
    const labels = await classifier.predict(raw, n);
    for (let i = 0; i < n; i++) {
      const row = Array.from(scores.subarray(i * 5, i * 5 + 5));
      expect(labels[i]).toBe(row.indexOf(Math.max(...row)));
    }
  });

  it('pads the last batch of a model with a fixed batch dim > 1 and drops the padding rows', async () => {
    const { bytes, weights, bias } = linearImageModel({ channels: 1, height: 3, width: 3, classes: 4, batch: 4 });
    const budget = createBudget(10);
    const classifier = await track(openClassifier(bytes, profileOf(bytes), { batchSize: 64, budget }));
    const raw = seeded(6 * 9, 11).map((v) => (v + 1) / 2);
    const scores = await classifier.classify(raw, 6);
    expect(scores.length).toBe(24);
    for (let i = 0; i < 6; i++) {
      const expected = linearScores(raw.subarray(i * 9, i * 9 + 9), weights, bias, 4);
      for (let k = 0; k < 4; k++) expect(scores[i * 4 + k]).toBeCloseTo(expected[k]!, 4);
    }
    expect(budget.used()).toBe(6);
  });

  it('feeds token ids with a derived attention mask (pad positions 0)', async () => {
    const { bytes, embedding, weights } = bagOfTokensModel({ vocab: 30, dim: 4, length: 6, classes: 3, mask: true });
    const profile = profileOf(bytes, { padId: 0 });
    const classifier = await track(openClassifier(bytes, profile, { batchSize: 2 }));
    const rows = [
      [5, 6, 7, 0, 0, 0],
      [29, 1, 2, 3, 4, 5],
      [9, 0, 9, 0, 9, 0],
    ];
    const ids = BigInt64Array.from(rows.flat().map(BigInt));
    const scores = await classifier.classify(ids, 3);
    rows.forEach((r, i) => {
      const expected = bagOfTokensScores(r, r.map((t) => (t === 0 ? 0 : 1)), embedding, weights, 4, 3);
      for (let k = 0; k < 3; k++) expect(scores[i * 3 + k]).toBeCloseTo(expected[k]!, 4);
    });
    // Int32 and integral float ids are converted; fractional ids are refused.
    expect(Array.from(await classifier.classify(Int32Array.from(rows.flat()), 3))).toEqual(Array.from(scores));
    await expect(classifier.classify(Float32Array.from([1.5, 0, 0, 0, 0, 0]), 1)).rejects.toMatchObject({ code: 'PROBE_RUNTIME_INPUT' });
  });

  it('feeds int32 token ids without a mask', async () => {
    const { bytes, embedding, weights } = bagOfTokensModel({ vocab: 12, dim: 3, length: 4, classes: 2, idType: INT32 });
    const classifier = await track(openClassifier(bytes, profileOf(bytes), {}));
    const scores = await classifier.classify(Int32Array.from([1, 2, 3, 11]), 1);
    const expected = bagOfTokensScores([1, 2, 3, 11], undefined, embedding, weights, 3, 2);
    expect(scores[0]).toBeCloseTo(expected[0]!, 4);
    expect(scores[1]).toBeCloseTo(expected[1]!, 4);
  });

  it('feeds fixed configuration inputs', async () => {
    const bytes = buildModel({
      inputs: [value('x', FLOAT, ['N', 1, 2, 2]), value('gain', FLOAT, [1])],
      outputs: [value('y', FLOAT, ['N', 4])],
      nodes: [node('Flatten', ['x'], ['f']), node('Mul', ['f', 'gain'], ['y'])],
    });
    const profile = profileOf(bytes, { inputName: 'x', fixedInputs: { gain: { type: 'float32', shape: [1], values: [3] } } });
    const classifier = await track(openClassifier(bytes, profile));
    expect(Array.from(await classifier.classify(Float32Array.from([1, 2, 3, 4]), 1))).toEqual([3, 6, 9, 12]);
  });

  it('rejects inputs of the wrong length and reports inference errors as typed one-line errors', async () => {
    const { bytes } = bagOfTokensModel({ vocab: 10, dim: 2, length: 3, classes: 2 });
    const classifier = await track(openClassifier(bytes, profileOf(bytes), { label: 'tiny.onnx' }));
    await expect(classifier.classify(new BigInt64Array(4), 1)).rejects.toMatchObject({ code: 'PROBE_RUNTIME_INPUT' });
    const error = (await classifier.classify(BigInt64Array.from([1n, 2n, 99n]), 1).catch((e: unknown) => e)) as ProbeRuntimeError;
    expect(error).toBeInstanceOf(ProbeRuntimeError);
    expect(error.code).toBe('PROBE_RUNTIME_RUN');
    expect(error.message).toMatch(/^tiny\.onnx: inference failed: /);
    expect(error.message).not.toContain('\n');
  });

  it('never loads custom ops: a model that needs one fails to load with a typed error', async () => {
    const bytes = buildModel({
      inputs: [value('x', FLOAT, ['N', 1, 2, 2])],
      outputs: [value('y', FLOAT, ['N', 4])],
      nodes: [node('Flatten', ['x'], ['f']), node('Backdoor', ['f'], ['y'], [], 'evil.custom')],
    });
    const profile = profileOf(bytes);
    await expect(openClassifier(bytes, profile, { label: 'custom.onnx' })).rejects.toMatchObject({ code: 'PROBE_RUNTIME_LOAD', message: expect.stringMatching(/^custom\.onnx: onnxruntime could not load the model/) });
    await expect(openClassifier(new Uint8Array([1, 2, 3]), profile)).rejects.toBeInstanceOf(ProbeRuntimeError);
  });

  it('reports an output that is not [N, C] scores', async () => {
    const bytes = buildModel({
      inputs: [value('x', FLOAT, ['N', 1, 2, 2])],
      outputs: [value('y', FLOAT, ['N', 'C'])],
      initializers: [floats('W', [4, 3], new Float32Array(12))],
      nodes: [node('Flatten', ['x'], ['f']), node('MatMul', ['f', 'W'], ['y'])],
    });
    const profile = profileOf(bytes, { classCount: 4 });
    const classifier = await track(openClassifier(bytes, profile));
    await expect(classifier.classify(new Float32Array(4), 1)).rejects.toMatchObject({ code: 'PROBE_RUNTIME_OUTPUT' });
  });
});
