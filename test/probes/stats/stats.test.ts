import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binomialTailGE,
  binomialTailLE,
  clopperPearson,
  criticalCountBelow,
  madAnomalyIndex,
  mcnemarExact,
  mcnemarMidP,
  perClassBelow,
  powerBelow,
} from '../../../src/probes/stats/index.js';

/** Relative closeness for p-values spanning many orders of magnitude. */
function expectRel(actual: number, expected: number, rel = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('binomial tails', () => {
  it('match exact rational sums and scipy values', () => {
    expectRel(binomialTailGE(10, 12, 0.5), 79 / 4096, 1e-12);
    expectRel(binomialTailGE(45, 50, 0.2), 2.510578045515741e-26);
    expectRel(binomialTailLE(801, 860, 0.95), 0.009986662731832057);
    expectRel(binomialTailLE(802, 860, 0.95), 0.014456830873302868);
    expectRel(binomialTailLE(9400, 10000, 0.95), 4.509387117818215e-6);
    expectRel(binomialTailGE(30, 1000, 0.01), 2.0599888509719576e-7);
  });

  it('stay accurate at n = 10^5', () => {
    expectRel(binomialTailLE(94800, 100000, 0.95), 0.0019954800696527957, 1e-5);
    expectRel(binomialTailGE(95200, 100000, 0.95), 0.0018013236697111685, 1e-5);
    expectRel(binomialTailLE(94000, 100000, 0.95), 2.467778209076716e-45, 1e-5);
    expectRel(binomialTailGE(51000, 100000, 0.5), 1.2943580191734472e-10, 1e-5);
  });

  it('handle the edges', () => {
    expect(binomialTailGE(0, 10, 0.3)).toBe(1);
    expect(binomialTailGE(11, 10, 0.3)).toBe(0);
    expect(binomialTailLE(10, 10, 0.3)).toBe(1);
    expect(binomialTailLE(-1, 10, 0.3)).toBe(0);
    expect(binomialTailGE(1, 10, 0)).toBe(0);
    expect(binomialTailLE(9, 10, 1)).toBe(0);
    expect(binomialTailGE(10, 10, 1)).toBe(1);
    expect(() => binomialTailGE(1, 10, 1.5)).toThrow(RangeError);
  });

  it('are in [0, 1], complementary and monotone (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, p, at) => {
        const k = Math.floor(at * n);
        const ge = binomialTailGE(k, n, p);
        const le = binomialTailLE(k - 1, n, p);
        expect(ge).toBeGreaterThanOrEqual(0);
        expect(ge).toBeLessThanOrEqual(1);
        expect(ge + le).toBeCloseTo(1, 9);
        expect(binomialTailGE(k + 1, n, p)).toBeLessThanOrEqual(ge + 1e-15);
        expect(binomialTailGE(k, n, Math.min(0.999, p + 0.01))).toBeGreaterThanOrEqual(ge - 1e-12);
      }),
      { numRuns: 300 },
    );
  });
});

describe('golden-set sizing (research note §4)', () => {
  it('95% → 92% at α = 0.01: n = 860 fails when correct <= 801, with power >= 0.9', () => {
    expect(criticalCountBelow(860, 0.95, 0.01)).toBe(801);
    expect(powerBelow(860, 0.95, 0.92, 0.01)).toBeGreaterThanOrEqual(0.9);
    expect(powerBelow(700, 0.95, 0.92, 0.01)).toBeLessThan(0.9);
  });
});

describe('clopperPearson', () => {
  it('matches the beta quantiles', () => {
    const [lo, hi] = clopperPearson(5, 10);
    expect(lo).toBeCloseTo(0.18708602844739855, 9);
    expect(hi).toBeCloseTo(0.8129139715526015, 9);
    const [lo2, hi2] = clopperPearson(950, 1000);
    expect(lo2).toBeCloseTo(0.9346095120845064, 9);
    expect(hi2).toBeCloseTo(0.9626646023953382, 9);
    expect(clopperPearson(0, 10)[0]).toBe(0);
    expect(clopperPearson(0, 10)[1]).toBeCloseTo(1 - 0.025 ** 0.1, 9);
    expect(clopperPearson(10, 10)).toEqual([expect.closeTo(0.025 ** 0.1, 9), 1]);
  });

  it('contains k/n and narrows with n (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, at) => {
        const k = Math.floor(at * n);
        const [lo, hi] = clopperPearson(k, n);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(k / n);
        expect(hi).toBeGreaterThanOrEqual(k / n);
        const [lo99, hi99] = clopperPearson(k, n, 0.99);
        expect(lo99).toBeLessThanOrEqual(lo + 1e-12);
        expect(hi99).toBeGreaterThanOrEqual(hi - 1e-12);
      }),
      { numRuns: 100 },
    );
  });
});

describe('McNemar', () => {
  it('reproduces the note: b=10, c=2 → 0.019 exact conditional; b=6, c=0 → 0.016', () => {
    expect(mcnemarExact(10, 2)).toBeCloseTo(0.0193, 4);
    expect(mcnemarExact(6, 0)).toBeCloseTo(0.0156, 4);
    // mid-p: P(X > b) + P(X = b)/2
    expect(mcnemarMidP(10, 2)).toBeCloseTo(46 / 4096, 12);
    expect(mcnemarMidP(6, 0)).toBeCloseTo(1 / 128, 12);
    expect(mcnemarMidP(0, 0)).toBe(1);
    expect(mcnemarMidP(2, 10)).toBeGreaterThan(0.9);
  });

  it('mid-p is below the exact p and both fall as b grows (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), (b, c) => {
        const exact = mcnemarExact(b, c);
        const mid = mcnemarMidP(b, c);
        expect(mid).toBeGreaterThanOrEqual(0);
        expect(mid).toBeLessThanOrEqual(exact);
        expect(mcnemarMidP(b + 1, c)).toBeLessThanOrEqual(mid + 1e-12);
        expect(mcnemarExact(b + 1, c)).toBeLessThanOrEqual(exact + 1e-12);
      }),
      { numRuns: 200 },
    );
  });
});

describe('madAnomalyIndex', () => {
  it('scores the small outlier with the 1.4826 constant', () => {
    const r = madAnomalyIndex([10, 11, 9, 10, 12, 8, 10, 2]);
    expect(r.median).toBe(10);
    expect(r.mad).toBe(1);
    expect(r.scores[7]).toBeCloseTo(8 / 1.4826, 9);
    expect(r.scores[4]).toBeCloseTo(-2 / 1.4826, 9);
    expect(r.absolute[4]).toBeCloseTo(2 / 1.4826, 9);
  });

  it('handles a zero MAD', () => {
    expect(madAnomalyIndex([3, 3, 3]).scores).toEqual([0, 0, 0]);
    expect(madAnomalyIndex([3, 3, 3, 1]).scores).toEqual([0, 0, 0, Infinity]);
  });
});

describe('perClassBelow (Bonferroni)', () => {
  it('flags only a class far below expectation after the correction', () => {
    const tests = perClassBelow(
      [
        { class: 0, n: 100, correct: 96, expected: 0.95 },
        { class: 1, n: 100, correct: 90, expected: 0.95 },
        { class: 2, n: 100, correct: 40, expected: 0.95 },
        { class: 3, n: 0, correct: 0, expected: 0.95 },
      ],
      0.01,
    );
    expect(tests.map((t) => t.class)).toEqual([0, 1, 2]);
    expect(tests.map((t) => t.significant)).toEqual([false, false, true]);
    expect(tests[1]!.adjusted).toBeCloseTo(Math.min(1, 3 * binomialTailLE(90, 100, 0.95)), 12);
  });
});
