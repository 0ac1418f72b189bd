import { binomialTailGE, binomialTailLE } from './binomial.js';

/** Smallest p in [0, 1] with f(p) >= target for an increasing f, by bisection. */
function bisect(f: (p: number) => number, target: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) >= target) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Exact (Clopper–Pearson) two-sided interval for a binomial proportion: the lower bound solves
 * P(X >= k | p) = (1 - conf)/2, the upper bound P(X <= k | p) = (1 - conf)/2.
 */
export function clopperPearson(k: number, n: number, conf = 0.95): [number, number] {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`need integers 0 <= k <= n, n >= 1; got k=${k}, n=${n}`);
  if (!(conf > 0 && conf < 1)) throw new RangeError(`confidence must be in (0, 1), got ${conf}`);
  const half = (1 - conf) / 2;
  const lower = k === 0 ? 0 : bisect((p) => binomialTailGE(k, n, p), half);
  // P(X <= k | p) decreases in p; its complement's argument is increasing.
  const upper = k === n ? 1 : bisect((p) => 1 - binomialTailLE(k, n, p), 1 - half);
  return [Math.min(lower, k / n), Math.max(upper, k / n)];
}
