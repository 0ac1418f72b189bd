import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseGraph } from '../../../src/probes/graph/analyse.js';
import { confirmGates } from '../../../src/probes/graph/confirm.js';
import { graphStageResult } from '../../../src/probes/graph/stage.js';
import { loadGoldenSet } from '../../../src/probes/golden/index.js';
import { createBudget, inferProfile, isUnprobeable, openClassifier } from '../../../src/probes/runtime/index.js';
import { DEFAULT_THRESHOLDS, type GoldenSet, type ProbeProfile } from '../../../src/probes/types.js';
import { buildModels } from './build.js';

const ROOT = new URL('../../../fixtures/models/probes/', import.meta.url);
interface Entry {
  name: string;
  path: string;
  golden: string;
  task: 'image-classification' | 'text-classification';
  classCount: number;
  range: [number, number] | null;
  poisoned: boolean;
  attack: { kind: string; params: Record<string, unknown>; targetClass: number } | null;
  text: { specialTokenIds: number[]; vocabSize: number; padId: number } | null;
}
const manifest = JSON.parse(readFileSync(new URL('MANIFEST.json', ROOT), 'utf8')) as { models: Entry[] };
const graphBackdoors = manifest.models.filter((m) => m.attack?.kind === 'graph-gate');
const others = manifest.models.filter((m) => m.attack?.kind !== 'graph-gate');

async function setUp(bytes: Uint8Array, profile: ProbeProfile, golden: GoldenSet) {
  const classifier = await openClassifier(bytes, profile);
  const predicted = await classifier.predict(golden.inputs, golden.count);
  await classifier.close();
  const correct = [...predicted.keys()].filter((i) => predicted[i] === golden.labels[i]);
  return { predicted, correct };
}

function profileOf(m: Entry, bytes: Uint8Array): ProbeProfile {
  const hints = {
    task: m.task, classCount: m.classCount, ...(m.range ? { range: m.range } : {}),
    ...(m.text ? { specialTokenIds: m.text.specialTokenIds, vocabSize: m.text.vocabSize, padId: m.text.padId } : {}),
  };
  const profile = inferProfile(bytes, hints);
  if (isUnprobeable(profile)) throw new Error(profile.unprobeable);
  return profile;
}

describe('P1 graph-backdoor fixtures: flagged statically, confirmed dynamically', () => {
  it('has graph-backdoor fixtures to test', () => {
    expect(graphBackdoors.length).toBeGreaterThanOrEqual(4);
  });

  for (const m of graphBackdoors) {
    it(`${m.name}: warns statically, then the gate is triggered with ASR ≥ 0.9 and fails`, async () => {
      const bytes = readFileSync(new URL(m.path, ROOT));
      const profile = profileOf(m, bytes);
      const analysis = analyseGraph(bytes, { dataInputs: [profile.inputName], ...(m.text ? { specialTokenIds: m.text.specialTokenIds } : {}) });
      expect(graphStageResult(analysis).outcome).toBe('warn');
      const golden = await loadGoldenSet(new URL(m.golden, ROOT).pathname);
      const baseline = await setUp(bytes, profile, golden);
      const budget = createBudget(3000);
      const result = await confirmGates({ model: bytes, analysis, profile, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
      expect(result.stage).toBe('gate-confirmation');
      expect(result.status).toBe('ran');
      expect(result.outcome).toBe('fail');
      const top = result.triggers![0]!;
      expect(top.family).toBe('graph-gate');
      expect(top.asr).toBeGreaterThanOrEqual(0.9);
      expect(top.targetClass).toBe(m.attack!.targetClass);
      expect(top.controlAsr).toBeLessThan(0.2);
      const added = (m.attack!.params['addedNodes'] as string[] | undefined) ?? [];
      const named = top.params['nodes'] as string[];
      expect(named.some((n) => added.some((a) => n === a || n.startsWith(`${a}/`))), `${named.join(', ')} vs ${added.join(', ')}`).toBe(true);
      expect(result.passes).toBe(budget.used());
      expect(result.passes).toBeLessThanOrEqual(3000);
    });
  }

  for (const m of others) {
    it(`${m.name}: no graph gate (data-poisoned or clean models leave no graph evidence)`, () => {
      const bytes = readFileSync(new URL(m.path, ROOT));
      const analysis = analyseGraph(bytes, m.text ? { specialTokenIds: m.text.specialTokenIds } : {});
      expect(graphStageResult(analysis).outcome).toBe('none');
    });
  }
});

describe('confirmGates on hand-built gates', () => {
  const models = buildModels();
  const profile: ProbeProfile = {
    task: 'image-classification', inputName: 'x', outputName: 'logits', sampleShape: [1, 16, 16], inputType: 'float32', classCount: 10,
    image: { layout: 'NCHW', channels: 1, height: 16, width: 16, range: [0, 1] },
  };
  const inputs = new Float32Array(200 * 256);
  let seed = 7;
  for (let i = 0; i < inputs.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    inputs[i] = ((seed >>> 8) / 2 ** 24) * 0.7;
  }

  for (const name of ['comparison-in-function', 'sub-mul-relu-saturation', 'trojannet-bypass', 'less-swapped', 'where', 'if-on-comparison', 'comparison-inside-if', 'comparison-in-loop', 'sub-relu-mul-ramp', 'routing-matmul-hides-nothing', 'cnn-greater-cast-mul-add']) {
    it(`${name}: finds the trigger in the top-left patch`, async () => {
      const bytes = models[name]!;
      // Labels are the model's own clean answers: the gate is what is under test, not accuracy.
      const clean = await openClassifier(bytes, profile);
      const labels = await clean.predict(inputs, 200);
      await clean.close();
      const golden: GoldenSet = { source: 'synthetic', count: 200, sampleShape: [1, 16, 16], inputs, labels };
      const baseline = { predicted: labels, correct: [...labels.keys()] };
      const analysis = analyseGraph(bytes, { dataInputs: ['x'] });
      const result = await confirmGates({ model: bytes, analysis, profile, golden, baseline, budget: createBudget(3000), thresholds: DEFAULT_THRESHOLDS });
      const top = result.triggers?.[0];
      expect(top, result.summary).toBeDefined();
      expect(top!.asr).toBeGreaterThanOrEqual(0.9);
      const box = top!.params['region'] as { top: number; left: number; height: number; width: number };
      expect(box.top + box.height).toBeLessThanOrEqual(3);
      expect(box.left + box.width).toBeLessThanOrEqual(3);
      expect(['fail', 'warn']).toContain(result.outcome);
    });
  }

  it('not-applicable without flagged gates', async () => {
    const analysis = analyseGraph(models['clean-mlp']!);
    const golden: GoldenSet = { source: 'synthetic', count: 1, sampleShape: [1, 16, 16], inputs: inputs.subarray(0, 256), labels: new Int32Array(1) };
    const r = await confirmGates({ model: models['clean-mlp']!, analysis, profile, golden, baseline: { predicted: new Int32Array(1), correct: [0] }, budget: createBudget(10), thresholds: DEFAULT_THRESHOLDS });
    expect(r.status).toBe('not-applicable');
    expect(r.outcome).toBe('none');
  });

  it('stops with budget-exhausted (and warns) when the budget is too small', async () => {
    const bytes = models['greater-cast-mul-add']!;
    const labels = new Int32Array(200);
    const golden: GoldenSet = { source: 'synthetic', count: 200, sampleShape: [1, 16, 16], inputs, labels };
    const analysis = analyseGraph(bytes);
    const r = await confirmGates({ model: bytes, analysis, profile, golden, baseline: { predicted: labels, correct: [...labels.keys()] }, budget: createBudget(50), thresholds: DEFAULT_THRESHOLDS });
    expect(r.status).toBe('budget-exhausted');
    expect(r.outcome).toBe('warn');
  });
});
