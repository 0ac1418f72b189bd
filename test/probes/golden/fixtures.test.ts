/**
 * The golden stage end to end on the probes fixtures (fixtures/models/probes, MANIFEST.json): profile
 * inferred from each model, golden set loaded by our parsers, real onnxruntime-node inference, and
 * the accuracy equal to the one the fixture builder measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGoldenSet, runGoldenStage } from '../../../src/probes/golden/index.js';
import { createBudget, inferProfile, isUnprobeable, openClassifier } from '../../../src/probes/runtime/index.js';
import type { Classifier, ProbeProfile } from '../../../src/probes/types.js';
import { DEFAULT_THRESHOLDS } from '../../../src/probes/types.js';

const ROOT = new URL('../../../fixtures/models/probes/', import.meta.url).pathname;
interface ManifestModel {
  name: string;
  path: string;
  golden: string;
  goldenCount: number;
  task: string;
  cleanAccuracy: number;
  cleanCorrect: number;
  classCount: number;
  inputName: string;
  outputName: string;
  inputType: string;
  sampleShape: number[];
  range: [number, number] | null;
  text: { vocabSize: number; sequenceLength: number; padId: number; specialTokenIds: number[]; attentionMaskInput?: string } | null;
  fixedInputs?: ProbeProfile['fixedInputs'] | null;
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'MANIFEST.json'), 'utf8')) as { models: ManifestModel[] };
const open: Classifier[] = [];
afterAll(async () => Promise.all(open.map((c) => c.close())));

function profileFor(m: ManifestModel, bytes: Uint8Array): ProbeProfile {
  const hints = m.text ? { specialTokenIds: m.text.specialTokenIds, padId: m.text.padId } : { range: m.range ?? undefined };
  const profile = inferProfile(bytes, m.fixedInputs ? { ...hints, fixedInputs: m.fixedInputs } : hints);
  if (isUnprobeable(profile)) throw new Error(`${m.name}: ${profile.unprobeable}`);
  return profile;
}

describe('golden stage on the probes fixtures', () => {
  it('has fixtures to test', () => {
    expect(manifest.models.length).toBeGreaterThanOrEqual(10);
    expect(new Set(manifest.models.map((m) => m.task))).toEqual(new Set(['image-classification', 'text-classification']));
  });

  for (const m of manifest.models) {
    it(`${m.name}: profile inferred, golden set loaded, accuracy ${m.cleanAccuracy} as in the manifest`, async () => {
      const bytes = readFileSync(join(ROOT, m.path));
      const profile = profileFor(m, bytes);
      expect(profile).toMatchObject({ task: m.task, inputName: m.inputName, outputName: m.outputName, classCount: m.classCount, inputType: m.inputType, sampleShape: m.sampleShape });
      if (m.text) expect(profile.text).toMatchObject({ vocabSize: m.text.vocabSize, sequenceLength: m.text.sequenceLength, padId: m.text.padId });
      if (m.text?.attentionMaskInput) expect(profile.text?.attentionMaskInput).toBe(m.text.attentionMaskInput);
      // A configuration input is never guessed: without the policy's value the model is unprobeable.
      if (m.fixedInputs) expect(inferProfile(bytes, {})).toEqual({ unprobeable: expect.stringContaining('candidate data inputs') });
      const golden = await loadGoldenSet(join(ROOT, m.golden));
      expect(golden.count).toBe(m.goldenCount);
      const budget = createBudget(1000);
      const classifier = await openClassifier(bytes, profile, { budget, label: m.path });
      open.push(classifier);
      const { result, baseline } = await runGoldenStage({ classifier, golden, budget, thresholds: DEFAULT_THRESHOLDS, claimedAccuracy: m.cleanAccuracy });
      expect(result.status).toBe('ran');
      expect(result.details['correct']).toBe(m.cleanCorrect);
      expect(result.details['accuracy']).toBeCloseTo(m.cleanAccuracy, 3);
      // Data-poisoning backdoors keep clean accuracy: the golden stage alone must not raise them.
      expect(result.outcome).toBe('none');
      expect(result.passes).toBe(m.goldenCount);
      expect(budget.used()).toBe(m.goldenCount);
      expect(baseline.correct.length).toBe(m.cleanCorrect);
      const histogram = result.details['predictedHistogram'] as number[];
      expect(histogram.reduce((a, b) => a + b, 0)).toBe(m.goldenCount);
    });
  }
});

describe('golden stage decisions with real models', () => {
  const mlp = manifest.models.find((m) => m.name === 'mlp-clean')!;
  const bytes = readFileSync(join(ROOT, mlp.path));

  /** The publisher's model with its output bias pushed toward class 0: the tampering the golden stage exists for. */
  function tampered(shift: number): Uint8Array {
    const { onnx } = onnxProto;
    const model = onnx.ModelProto.decode(bytes);
    const bias = model.graph!.initializer!.find((t) => t.name === 'fc2.bias')!;
    const values = new Float32Array(new Uint8Array(bias.rawData!).slice().buffer);
    values[0]! += shift;
    bias.rawData = new Uint8Array(values.buffer);
    return onnx.ModelProto.encode(model).finish();
  }

  it('fails a tampered model against the claim and against the trusted reference (McNemar)', async () => {
    const golden = await loadGoldenSet(join(ROOT, mlp.golden));
    const budget = createBudget(2000);
    const profile = profileFor(mlp, bytes);
    const reference = await openClassifier(bytes, profile, { budget });
    const candidate = await openClassifier(tampered(6), profile, { budget });
    open.push(reference, candidate);
    const { result } = await runGoldenStage({ classifier: candidate, reference, golden, budget, thresholds: DEFAULT_THRESHOLDS, claimedAccuracy: mlp.cleanAccuracy });
    expect(result.outcome).toBe('fail');
    expect(result.details['flags']).toEqual(expect.arrayContaining(['below-claim', 'extreme-drop', 'reference-disagreement', 'reference-extreme']));
    const mcnemar = result.details['mcnemar'] as { b: number; c: number; p: number };
    expect(mcnemar.b).toBeGreaterThan(30);
    expect(mcnemar.c).toBe(0);
    expect(mcnemar.p).toBeLessThan(1e-10);
    expect(result.passes).toBe(2 * golden.count);
    expect(result.summary).toMatch(/^accuracy 0\.\d{3} \(95% CI/);
  });

  it('the same model as its own reference shows no discordance', async () => {
    const golden = await loadGoldenSet(join(ROOT, mlp.golden));
    const budget = createBudget(2000);
    const profile = profileFor(mlp, bytes);
    const a = await openClassifier(bytes, profile, { budget });
    const b = await openClassifier(bytes, profile, { budget });
    open.push(a, b);
    const { result } = await runGoldenStage({ classifier: a, reference: b, golden, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(result.outcome).toBe('none');
    expect(result.details['mcnemar']).toEqual({ b: 0, c: 0, p: 1, pExact: 1, agreement: 1 });
  });

  it('stops with budget-exhausted before running when the budget cannot cover the set, and fails a mismatched set', async () => {
    const golden = await loadGoldenSet(join(ROOT, mlp.golden));
    const budget = createBudget(100);
    const classifier = await openClassifier(bytes, profileFor(mlp, bytes), { budget });
    open.push(classifier);
    const { result, baseline } = await runGoldenStage({ classifier, golden, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(result).toMatchObject({ stage: 'golden', status: 'budget-exhausted', outcome: 'none', passes: 0 });
    expect(budget.used()).toBe(0);
    expect(baseline.correct).toEqual([]);
    const scaled = { ...golden, inputs: (golden.inputs as Float32Array).map((v) => v * 255) };
    const mismatch = await runGoldenStage({ classifier, golden: scaled, budget: createBudget(1000), thresholds: DEFAULT_THRESHOLDS });
    expect(mismatch.result.status).toBe('failed');
    expect(mismatch.result.summary).toContain("outside the model's range");
  });
});
