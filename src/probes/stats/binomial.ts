import { logChoose } from './gamma.js';

function checkArgs(k: number, n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
}

/** log P(X = k) for X ~ Binomial(n, p). */
export function binomialLogPmf(k: number, n: number, p: number): number {
  checkArgs(k, n, p);
  if (k < 0 || k > n) return -Infinity;
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/**
 * Σ pmf(j) for j from `from` stepping by `step` (+1 or -1) while in [0, n], in log space: each term
 * from the previous one by the pmf ratio, summed relative to the running maximum, stopping once the
 * terms past the mode fall below 1e-20 of the sum.
 */
function tail(from: number, n: number, p: number, step: 1 | -1): number {
  const logRatioUp = Math.log(p) - Math.log1p(-p);
  let logTerm = binomialLogPmf(from, n, p);
  let logMax = logTerm;
  let scaled = 1;
  for (let j = from; ; ) {
    const next = j + step;
    if (next < 0 || next > n) break;
    // pmf(j+1)/pmf(j) = (n-j)/(j+1) · p/(1-p)
    logTerm += step === 1 ? Math.log(n - j) - Math.log(j + 1) + logRatioUp : Math.log(j) - Math.log(n - j + 1) - logRatioUp;
    j = next;
    if (logTerm > logMax) {
      scaled = scaled * Math.exp(logMax - logTerm) + 1;
      logMax = logTerm;
    } else {
      scaled += Math.exp(logTerm - logMax);
      if (logTerm < logMax - 46) break;
    }
  }
  return Math.min(1, Math.max(0, Math.exp(logMax + Math.log(scaled))));
}

/** P(X >= k) for X ~ Binomial(n, p), exact (log-space; stable for n up to 10^6). */
export function binomialTailGE(k: number, n: number, p: number): number {
  checkArgs(k, n, p);
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  // A tail holding the bulk of the mass is one minus the small opposite tail: summed directly, its
  // many terms would lose monotonicity to rounding near 1.
  return k <= n * p ? 1 - tail(k - 1, n, p, -1) : tail(k, n, p, 1);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialTailLE(k: number, n: number, p: number): number {
  checkArgs(k, n, p);
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  return k >= n * p ? 1 - tail(k + 1, n, p, 1) : tail(k, n, p, -1);
}

/**
 * One-sided exact binomial test of H0: accuracy >= p0 with `correct` of `n` right: P(X <= correct | p0).
 * A small value says the model is worse than claimed.
 */
export function binomialTestBelow(correct: number, n: number, p0: number): number {
  return binomialTailLE(correct, n, p0);
}

/** The largest count c with P(X <= c | n, p0) <= alpha (fail when correct <= c), or -1 when none. */
export function criticalCountBelow(n: number, p0: number, alpha: number): number {
  let lo = -1;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (binomialTailLE(mid, n, p0) <= alpha) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Power of the one-sided test at level alpha when the true accuracy is p1. */
export function powerBelow(n: number, p0: number, p1: number, alpha: number): number {
  const c = criticalCountBelow(n, p0, alpha);
  return c < 0 ? 0 : binomialTailLE(c, n, p1);
}
