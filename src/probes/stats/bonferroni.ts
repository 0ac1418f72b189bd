import { binomialTestBelow } from './binomial.js';

export interface ClassTest {
  class: number;
  n: number;
  correct: number;
  /** The accuracy the class is tested against. */
  expected: number;
  /** One-sided exact binomial p-value of the class being below `expected`. */
  pValue: number;
  /** Bonferroni-adjusted: min(1, pValue × tests). */
  adjusted: number;
  significant: boolean;
}

/**
 * Per-class one-sided binomial tests against an expected accuracy, Bonferroni-corrected over the
 * classes that have samples: a class is significant when its p-value is below alpha / tests.
 */
export function perClassBelow(classes: ReadonlyArray<{ class: number; n: number; correct: number; expected: number }>, alpha: number): ClassTest[] {
  const tested = classes.filter((c) => c.n > 0);
  const tests = Math.max(1, tested.length);
  return tested.map((c) => {
    const pValue = binomialTestBelow(c.correct, c.n, Math.min(1, Math.max(0, c.expected)));
    return { ...c, pValue, adjusted: Math.min(1, pValue * tests), significant: pValue < alpha / tests };
  });
}
