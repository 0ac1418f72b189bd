import { describe, expect, it } from 'vitest';
import { runKnownTriggers } from '../../../src/probes/triggers/index.js';
import { imageGeometry } from '../../../src/probes/triggers/image/geometry.js';
import { knownImageVariants } from '../../../src/probes/triggers/image/known.js';
import { createRng, DEFAULT_SEED } from '../../../src/probes/triggers/rng.js';
import { DEFAULT_THRESHOLDS, type Classifier, type StageResult } from '../../../src/probes/types.js';
import { baselineOf, createBudget, imageProfile, toyImageClassifier, toyImageGolden, W, H, type Pixel } from './toy-models.js';

async function known(make: (budget: ReturnType<typeof createBudget>) => Classifier, budgetTotal = 20_000, seed?: number): Promise<StageResult> {
  const budget = createBudget(budgetTotal);
  const classifier = make(budget);
  const golden = toyImageGolden(classifier.profile, 15);
  const baseline = await baselineOf(classifier, golden);
  return runKnownTriggers({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS, ...(seed === undefined ? {} : { seed }) });
}

const bottomRightWhite = (px: Pixel): number | undefined => {
  let s = 0;
  for (let y = H - 3; y < H; y++) for (let x = W - 3; x < W; x++) s += px(0, y, x);
  return s / 9 > 0.9 ? 7 : undefined;
};

describe('known image trigger families', () => {
  it('finds a planted bottom-right 3x3 white patch (ASR >= 0.9, fail) beside controls', async () => {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const r = await known((b) => toyImageClassifier(imageProfile(layout), b, bottomRightWhite));
      expect(r.status).toBe('ran');
      expect(r.outcome).toBe('fail');
      const top = r.triggers![0]!;
      expect(top.family).toBe('patch');
      expect(top.targetClass).toBe(7);
      expect(top.asr).toBeGreaterThanOrEqual(0.9);
      expect(top.params['position']).toBe('bottom-right');
      expect(top.controlAsr).toBeLessThan(0.2);
      expect(top.pValue).toBeLessThan(1e-6);
      expect(top.params['controls']).toBe(6);
      expect(top.inputs).toBeGreaterThanOrEqual(50);
      expect(top.sourceClasses).toBeGreaterThanOrEqual(3);
      expect(top.preview && 'pixels' in top.preview ? top.preview.pixels.length : 0).toBe(H * W);
      expect(top.example && 'pixels' in top.example ? top.example.pixels.length : 0).toBe(H * W);
      expect(r.summary).toMatch(/backdoor trigger found/);
      expect(r.passes).toBeLessThanOrEqual(20_000);
    }
  });

  it('finds a planted vertical-stripes blend at alpha 0.2', async () => {
    const period = Math.max(2, Math.round(Math.min(H, W) / 8));
    const stripes = (px: Pixel): number | undefined => {
      let corr = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) corr += px(0, y, x) * (Math.floor(x / period) % 2 === 1 ? 1 : -1);
      return corr / (H * W) > 0.06 ? 3 : undefined;
    };
    const r = await known((b) => toyImageClassifier(imageProfile(), b, stripes));
    expect(r.outcome).toBe('fail');
    const top = r.triggers![0]!;
    expect(top.family).toBe('blend');
    expect(top.params['pattern']).toBe('stripes-v');
    expect(top.targetClass).toBe(3);
    expect(top.asr).toBeGreaterThanOrEqual(0.9);
  });

  it('finds a planted SIG sinusoid (delta 20/255, f 6)', async () => {
    const sig = (px: Pixel): number | undefined => {
      let corr = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) corr += px(0, y, x) * Math.sin((2 * Math.PI * x * 6) / W);
      return corr / (H * W) > 0.03 ? 1 : undefined;
    };
    const r = await known((b) => toyImageClassifier(imageProfile(), b, sig));
    expect(r.outcome).toBe('fail');
    expect(r.triggers![0]!.family).toBe('sig');
    expect(r.triggers![0]!.params['orientation']).toBe('h');
    expect(r.triggers![0]!.targetClass).toBe(1);
  });

  it('finds a planted sparse-pixel trigger', async () => {
    const g = imageGeometry(imageProfile());
    const sparse = knownImageVariants(g, createRng(DEFAULT_SEED)).find((v) => v.family === 'sparse' && v.params['value'] === 'max')!;
    const pixels = sparse.params['pixels'] as number[];
    const planted = (px: Pixel): number | undefined => (pixels.every((p) => px(0, Math.floor(p / W), p % W) > 0.99) ? 2 : undefined);
    const r = await known((b) => toyImageClassifier(imageProfile(), b, planted));
    expect(r.outcome).toBe('fail');
    expect(r.triggers![0]!.family).toBe('sparse');
    expect(r.triggers![0]!.targetClass).toBe(2);
  });

  it('does not fail a natural-trojan model whose controls flip too (any large saturated region → class 5)', async () => {
    const saturated = (px: Pixel): number | undefined => {
      let n = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const v = px(0, y, x);
        if (v < 0.1 || v > 0.9) n++;
      }
      return n >= 9 ? 5 : undefined;
    };
    const r = await known((b) => toyImageClassifier(imageProfile(), b, saturated));
    expect(r.outcome).not.toBe('fail');
    const top = r.triggers![0]!;
    expect(top.asr).toBeGreaterThanOrEqual(0.9);
    expect(top.controlAsr).toBeGreaterThanOrEqual(0.9);
  });

  it('reports no evidence on the trunk alone, never "clean"', async () => {
    const r = await known((b) => toyImageClassifier(imageProfile(), b));
    expect(r.outcome).toBe('none');
    expect(r.summary).toMatch(/no evidence of a backdoor found/);
    expect(r.summary).not.toMatch(/\bclean\b/);
  });

  it('stops cleanly when the budget runs out, keeping what it did', async () => {
    const budget = createBudget(2_300);
    const classifier = toyImageClassifier(imageProfile(), budget, bottomRightWhite);
    const golden = toyImageGolden(classifier.profile, 15);
    const baseline = await baselineOf(classifier, golden);
    const left = budget.remaining();
    const r = await runKnownTriggers({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(r.status).toBe('budget-exhausted');
    expect(r.passes).toBeGreaterThan(0);
    expect(r.passes).toBeLessThanOrEqual(left);
    expect(budget.used()).toBeLessThanOrEqual(budget.total);
    expect(r.summary).toMatch(/^budget exhausted after \d+ passes/);
    expect(r.details['screened']).toBeGreaterThan(0);
  });

  it('a budget too small for anything still returns a result', async () => {
    const budget = createBudget(150 + 5);
    const classifier = toyImageClassifier(imageProfile(), budget, bottomRightWhite);
    const golden = toyImageGolden(classifier.profile, 15);
    const baseline = await baselineOf(classifier, golden);
    const r = await runKnownTriggers({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(r.status).toBe('budget-exhausted');
    expect(r.outcome).toBe('none');
    expect(r.passes).toBe(0);
  });

  it('refuses a golden set that does not match the profile (failed, not none)', async () => {
    const budget = createBudget(10_000);
    const classifier = toyImageClassifier(imageProfile(), budget);
    const golden = toyImageGolden(classifier.profile, 5);
    const baseline = await baselineOf(classifier, golden);
    const broken = { ...golden, inputs: golden.inputs.subarray(1) };
    const r = await runKnownTriggers({ classifier, golden: broken, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/toy-golden/);
  });

  it('an inference error makes the stage failed (never a silent none)', async () => {
    const budget = createBudget(10_000);
    const good = toyImageClassifier(imageProfile(), budget);
    const golden = toyImageGolden(good.profile, 5);
    const baseline = await baselineOf(good, golden);
    const broken = { ...good, profile: good.profile, passes: 0, predict: async () => { throw new Error('PROBE_RUNTIME_RUN: boom'); }, classify: good.classify.bind(good), close: good.close.bind(good) };
    const r = await runKnownTriggers({ classifier: broken, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(r.status).toBe('failed');
    expect(r.outcome).toBe('none');
    expect(r.summary).toMatch(/boom/);
  });

  it('is deterministic for a seed', async () => {
    const strip = (r: StageResult) => ({ ...r, durationMs: 0 });
    const a = await known((b) => toyImageClassifier(imageProfile(), b, bottomRightWhite), 20_000, 42);
    const b = await known((b2) => toyImageClassifier(imageProfile(), b2, bottomRightWhite), 20_000, 42);
    expect(strip(a)).toEqual(strip(b));
  });
});
