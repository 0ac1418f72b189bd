import { describe, expect, it } from 'vitest';
import { analyseGoldenPredictions, GOLDEN_RULES } from '../../../src/probes/golden/index.js';

/** n labels cycling over `classes`, predictions equal to the labels except at the given indices. */
function set(n: number, classes: number, wrong: (i: number, label: number) => number | undefined) {
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const predicted = labels.map((l, i) => wrong(i, l) ?? l);
  return { labels, predicted };
}
const ALPHA = 0.01;

describe('golden decision rules', () => {
  it('warns exactly when correct <= 801 of 860 against a 95% claim (the note\'s table)', () => {
    const at = (correct: number) => {
      const { labels, predicted } = set(860, 10, (i, l) => (i < 860 - correct ? (l + 1) % 10 : undefined));
      return analyseGoldenPredictions(labels, predicted, 10, ALPHA, 0.95);
    };
    expect(at(801).outcome).toBe('warn');
    expect(at(801).details['flags']).toEqual(['below-claim']);
    expect(at(801).details['pValue']).toBeLessThan(ALPHA);
    expect(at(802).outcome).toBe('none');
    expect(at(802).details['flags']).toEqual([]);
  });

  it('fails an extreme drop: the upper 95% bound below claim − 0.10', () => {
    const { labels, predicted } = set(400, 10, (i, l) => (i % 3 === 0 ? (l + 1) % 10 : undefined));
    const r = analyseGoldenPredictions(labels, predicted, 10, ALPHA, 0.95);
    expect(r.outcome).toBe('fail');
    expect(r.details['flags']).toContain('extreme-drop');
    expect((r.details['ci95'] as number[])[1]).toBeLessThan(0.95 - GOLDEN_RULES.extremeDrop);
  });

  it('McNemar: warns on a significant loss, fails only with b ≫ c and a net loss of 5% of the set', () => {
    const n = 1000;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const withDiscordance = (b: number, c: number) => {
      const reference = Int32Array.from(labels);
      const predicted = Int32Array.from(labels);
      for (let i = 0; i < b; i++) predicted[i] = (labels[i]! + 1) % 10;
      for (let i = b; i < b + c; i++) reference[i] = (labels[i]! + 1) % 10;
      return analyseGoldenPredictions(labels, predicted, 10, ALPHA, undefined, reference);
    };
    const weak = withDiscordance(10, 2);
    expect(weak.details['mcnemar']).toMatchObject({ b: 10, c: 2, p: expect.closeTo(46 / 4096, 10), pExact: expect.closeTo(79 / 4096, 10) });
    expect(weak.outcome).toBe('none');
    expect(withDiscordance(20, 2).outcome).toBe('warn');
    expect(withDiscordance(60, 5).outcome).toBe('fail');
    expect(withDiscordance(60, 20).outcome).toBe('warn');
  });

  it('flags a collapsed class and a class that absorbs the others', () => {
    const collapse = set(500, 5, (i, l) => (l === 3 && i % 50 !== 3 ? 4 : undefined));
    // Class 3 is 100 samples, 90 of them predicted 4.
    const r = analyseGoldenPredictions(collapse.labels, collapse.predicted, 5, ALPHA);
    expect(r.outcome).toBe('warn');
    expect(r.details['collapsedClasses']).toEqual([3]);
    expect(r.details['flags']).toContain('class-collapse');
    expect(r.details['skewedClasses']).toEqual([{ class: 4, absorbed: 90, share: 90 / 400 }]);

    const healthy = set(500, 5, (i, l) => (i % 20 === 0 ? (l + 1) % 5 : undefined));
    expect(analyseGoldenPredictions(healthy.labels, healthy.predicted, 5, ALPHA).outcome).toBe('none');
  });

  it('warns when the model is no better than chance (wrong range or normalisation) or scores NaN', () => {
    const chance = set(200, 10, (i) => Math.floor(i / 10) % 10);
    const r = analyseGoldenPredictions(chance.labels, chance.predicted, 10, ALPHA);
    expect(r.details['flags']).toContain('near-chance');
    expect(r.outcome).toBe('warn');
    const nan = set(100, 4, (i) => (i === 0 ? -1 : undefined));
    const n = analyseGoldenPredictions(nan.labels, nan.predicted, 4, ALPHA);
    expect(n.details['unpredicted']).toBe(1);
    expect(n.details['flags']).toEqual(['nan-scores']);
  });

  it('reports per-class accuracy, the histogram and a one-line summary', () => {
    const { labels, predicted } = set(30, 3, (i) => (i === 0 ? 1 : undefined));
    const r = analyseGoldenPredictions(labels, predicted, 4, ALPHA);
    expect(r.details['perClass']).toEqual([
      { class: 0, n: 10, correct: 9, accuracy: 0.9 },
      { class: 1, n: 10, correct: 10, accuracy: 1 },
      { class: 2, n: 10, correct: 10, accuracy: 1 },
      { class: 3, n: 0, correct: 0, accuracy: null },
    ]);
    expect(r.details['predictedHistogram']).toEqual([9, 11, 10, 0]);
    expect(r.summary).toMatch(/^accuracy 0\.967 \(95% CI 0\.8\d\d–0\.99\d\) on 30 samples$/);
  });
});
