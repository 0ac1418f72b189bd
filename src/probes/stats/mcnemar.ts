import { binomialLogPmf, binomialTailGE } from './binomial.js';

function check(b: number, c: number): void {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`discordant counts must be non-negative integers, got b=${b}, c=${c}`);
}

/**
 * One-sided exact conditional McNemar test: b = pairs the reference got right and the candidate wrong,
 * c = the reverse; p = P(X >= b), X ~ Binomial(b + c, 1/2). 1 when there is no discordant pair.
 */
export function mcnemarExact(b: number, c: number): number {
  check(b, c);
  if (b + c === 0) return 1;
  return binomialTailGE(b, b + c, 0.5);
}

/** One-sided mid-p McNemar (Fagerland et al. 2013): P(X > b) + P(X = b)/2. 1 when there is no discordant pair. */
export function mcnemarMidP(b: number, c: number): number {
  check(b, c);
  if (b + c === 0) return 1;
  return Math.max(0, mcnemarExact(b, c) - 0.5 * Math.exp(binomialLogPmf(b, b + c, 0.5)));
}
