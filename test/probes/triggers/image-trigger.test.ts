import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runKnownTriggers } from '../../../src/probes/triggers/index.js';
import { blendTrigger, controlFor, knownFilters, patchTrigger, sigTrigger } from '../../../src/probes/triggers/image/families.js';
import { imageGeometry } from '../../../src/probes/triggers/image/geometry.js';
import { knownImageVariants } from '../../../src/probes/triggers/image/known.js';
import { sampleToCanonical, triggeredBatch } from '../../../src/probes/triggers/image/trigger.js';
import { createRng } from '../../../src/probes/triggers/rng.js';
import { DEFAULT_THRESHOLDS, type ProbeProfile } from '../../../src/probes/types.js';
import { baselineOf, createBudget, H, imageProfile, toyImageClassifier, toyImageGolden, W, type Pixel } from './toy-models.js';

const layouts = ['NCHW', 'NHWC'] as const;
const setups = new Map<string, { g: ReturnType<typeof imageGeometry>; variants: ReturnType<typeof knownImageVariants> }>();
function setup(layout: 'NCHW' | 'NHWC', channels: number) {
  const key = `${layout}${channels}`;
  if (!setups.has(key)) {
    const profile: ProbeProfile = { ...imageProfile(layout, channels), image: { ...imageProfile(layout, channels).image!, range: [-1, 2] } };
    const g = imageGeometry(profile);
    setups.set(key, { g, variants: knownImageVariants(g, createRng(1)) });
  }
  return setups.get(key)!;
}

describe('image trigger application', () => {
  it('property: every family keeps values in range and touches only its elements, in either layout', () => {
    fc.assert(
      fc.property(fc.constantFrom(...layouts), fc.constantFrom(1, 3), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (layout, channels, seed) => {
        const { g, variants } = setup(layout, channels);
        const golden = toyImageGolden(imageProfile(layout, channels), 1, seed);
        const source = golden.inputs as Float32Array;
        const rng = createRng(seed);
        const pick = [variants[rng.int(variants.length)]!, controlFor(g, variants[rng.int(variants.length)]!, rng)];
        for (const t of pick) {
          const out = triggeredBatch(g, t, source, [0]);
          const touched = new Set(Array.from(t.elements, (e) => g.offsets[e]!));
          const bad: number[] = [];
          for (let i = 0; i < g.size; i++) {
            if (!(out[i]! >= -1 && out[i]! <= 2) || (!touched.has(i) && out[i] !== source[i])) bad.push(i);
          }
          expect(bad).toEqual([]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('NCHW and NHWC give the same canonical triggered image', () => {
    const [a, b] = layouts.map((layout) => {
      const p = imageProfile(layout, 3);
      const g = imageGeometry(p);
      const golden = toyImageGolden(p, 1);
      const t = patchTrigger(g, { x: 2, y: 5, size: 3, pattern: 'colour', seed: 4 });
      return sampleToCanonical(g, triggeredBatch(g, t, golden.inputs as Float32Array, [3]));
    });
    expect(Array.from(a!)).toEqual(Array.from(b!));
  });

  it('blend, SIG and filters are whole-image edits with the stated strength', () => {
    const g = imageGeometry(imageProfile('NHWC', 3));
    expect(blendTrigger(g, { pattern: 'noise', alpha: 0.2, seed: 1 }).alpha).toBe(0.2);
    expect(sigTrigger(g, { delta255: 40, frequency: 6, orientation: 'h' }).alpha).toBeCloseTo(40 / 255);
    expect(knownFilters(g)).toHaveLength(5);
    expect(knownFilters(imageGeometry(imageProfile()))).toHaveLength(0);
  });

  it('normalised golden inputs are de-normalised before a trigger and re-normalised after', () => {
    const p = imageProfile();
    p.image = { ...p.image!, mean: [0.5], std: [0.25] };
    const g = imageGeometry(p, true);
    const src = new Float32Array(g.size).fill(0); // raw 0.5 everywhere
    const out = triggeredBatch(g, patchTrigger(g, { x: 0, y: 0, size: 2, pattern: 'white', seed: 1 }), src, [0]);
    expect(out[0]).toBeCloseTo((1 - 0.5) / 0.25);
    expect(out[100]).toBe(0);
  });
});

describe('colour images', () => {
  it('finds a planted warm colour filter on a 3-channel NHWC model', async () => {
    const profile = imageProfile('NHWC', 3);
    const warm = (px: Pixel): number | undefined => {
      let r = 0;
      let b = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        r += px(0, y, x);
        b += px(2, y, x);
      }
      return r / b > 1.6 ? 8 : undefined;
    };
    const budget = createBudget(20_000);
    const classifier = toyImageClassifier(profile, budget, warm);
    const golden = toyImageGolden(profile, 12);
    const baseline = await baselineOf(classifier, golden);
    const r = await runKnownTriggers({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
    expect(r.outcome).toBe('fail');
    expect(r.triggers![0]!.family).toBe('filter');
    expect(r.triggers![0]!.params['name']).toBe('warm');
    expect(r.triggers![0]!.targetClass).toBe(8);
    const preview = r.triggers![0]!.preview as { channels: number; pixels: number[] };
    expect(preview.channels).toBe(3);
    expect(preview.pixels).toHaveLength(H * W * 3);
  });
});
