import { describe, expect, it } from 'vitest';
import { runReverseEngineering } from '../../../src/probes/triggers/index.js';
import { DEFAULT_THRESHOLDS, type Classifier, type StageResult } from '../../../src/probes/types.js';
import { baselineOf, createBudget, H, imageProfile, toyImageClassifier, toyImageGolden, W, type Pixel } from './toy-models.js';

async function reverse(make: (b: ReturnType<typeof createBudget>) => Classifier, total = 35_000, seed?: number): Promise<StageResult> {
  const budget = createBudget(total);
  const classifier = make(budget);
  const golden = toyImageGolden(classifier.profile, 20);
  const baseline = await baselineOf(classifier, golden);
  return runReverseEngineering({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS, depth: 'standard', ...(seed === undefined ? {} : { seed }) });
}

/** A white 3x3 patch away from corners and centre, off the search grid: (x 5, y 9) → class 4. */
const offGrid = (px: Pixel): number | undefined => {
  let s = 0;
  for (let y = 9; y < 12; y++) for (let x = 5; x < 8; x++) s += px(0, y, x);
  return s / 9 > 0.9 ? 4 : undefined;
};

describe('trigger reverse-engineering (images)', () => {
  it('recovers an off-grid patch trigger no known family hits, with the right target', async () => {
    const r = await reverse((b) => toyImageClassifier(imageProfile(), b, offGrid));
    expect(r.status).toBe('ran');
    expect(r.outcome).toBe('fail');
    const top = r.triggers![0]!;
    expect(top.targetClass).toBe(4);
    expect(top.asr).toBeGreaterThanOrEqual(0.9);
    expect(top.params['heldOut']).toBe(true);
    expect(top.inputs).toBeGreaterThanOrEqual(50);
    // The recovered trigger overlaps the planted region.
    const pixels = (top.params['pixels'] as number[] | undefined) ?? patchPixels(top.params);
    expect(pixels.some((p) => Math.floor(p / W) >= 9 && Math.floor(p / W) < 12 && p % W >= 5 && p % W < 8)).toBe(true);
    const families = r.details['families'] as Record<string, { perClass: unknown[]; madIndex: number[] }>;
    expect(Math.max(...families['patch']!.madIndex)).toBeGreaterThan(DEFAULT_THRESHOLDS.madAnomalyIndex);
    for (const f of ['patch', 'sparse', 'blend']) {
      expect(families[f]!.perClass).toHaveLength(10);
      expect(families[f]!.madIndex).toHaveLength(10);
    }
    expect(r.passes).toBeLessThanOrEqual(35_000);
  });

  it('recovers a scattered dark-pixel trigger (5 pixels towards 0) and fails it on held-out inputs without a MAD outlier', async () => {
    const planted: Array<[number, number]> = [[1, 2], [6, 13], [10, 6], [13, 11], [15, 3]];
    // A graded response, as a trained network has: each dark planted pixel adds evidence, together they overwhelm.
    const darkPixels = (px: Pixel) => {
      const n = planted.filter(([y, x]) => px(0, y, x) < 0.05).length;
      return n === 0 ? undefined : { target: 2, bonus: 0.5 * n * n };
    };
    const r = await reverse((b) => toyImageClassifier(imageProfile(), b, darkPixels), 50_000);
    expect(r.outcome).toBe('fail');
    const top = r.triggers![0]!;
    expect(top.targetClass).toBe(2);
    expect(top.family).toBe('sparse');
    expect(top.params['foundBy']).toBe('sensitivity-scan');
    expect(top.params['optimised']).toBe(true);
    expect(top.params['heldOut']).toBe(true);
    expect(top.asr).toBeGreaterThanOrEqual(0.95);
    const want = new Set(planted.map(([y, x]) => y * W + x));
    const pixels = top.params['pixels'] as number[];
    expect(pixels.filter((p) => want.has(p)).length).toBeGreaterThanOrEqual(4);
    expect(pixels.length).toBeLessThanOrEqual(8);
    expect(r.passes).toBeLessThanOrEqual(50_000);
  });

  it('does not fail the trunk alone although NES finds small universal masks (no MAD outlier)', async () => {
    const r = await reverse((b) => toyImageClassifier(imageProfile(), b));
    expect(r.outcome).toBe('none');
    expect(r.summary).toMatch(/no evidence of a backdoor found/);
    const nesTriggers = (r.triggers ?? []).filter((t) => t.params['foundBy'] === 'nes');
    for (const t of nesTriggers) expect(t.params['requiresMad']).toBe(true);
  });

  it('does not fail a natural-trojan model (every large saturated region flips, controls too)', async () => {
    const saturated = (px: Pixel): number | undefined => {
      let n = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const v = px(0, y, x);
        if (v < 0.1 || v > 0.9) n++;
      }
      return n >= 9 ? 5 : undefined;
    };
    const r = await reverse((b) => toyImageClassifier(imageProfile(), b, saturated));
    expect(r.outcome).not.toBe('fail');
  });

  it('stops cleanly with budget-exhausted and keeps the evidence gathered so far', async () => {
    const r = await reverse((b) => toyImageClassifier(imageProfile(), b, offGrid), 6_000);
    expect(r.status).toBe('budget-exhausted');
    expect(r.summary).toMatch(/^budget exhausted after/);
    expect(r.passes).toBeLessThanOrEqual(6_000);
    expect(r.details['variants']).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', async () => {
    const a = await reverse((b) => toyImageClassifier(imageProfile(), b, offGrid), 20_000, 9);
    const b = await reverse((b2) => toyImageClassifier(imageProfile(), b2, offGrid), 20_000, 9);
    expect({ ...a, durationMs: 0 }).toEqual({ ...b, durationMs: 0 });
  });
});

function patchPixels(p: Record<string, unknown>): number[] {
  const out: number[] = [];
  const size = Number(p['size']);
  for (let y = Number(p['y']); y < Number(p['y']) + size; y++) for (let x = Number(p['x']); x < Number(p['x']) + size; x++) out.push(y * W + x);
  return out;
}
