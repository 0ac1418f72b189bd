/**
 * The golden stage's fixed decision constants (the significance level itself is thresholds.goldenAlpha).
 * Documented in docs/probes.md; kept here so the numbers and the code cannot drift apart.
 */
export const GOLDEN_RULES = {
  /** Fail when even the upper 95% Clopper–Pearson bound sits this far below the claimed accuracy. */
  extremeDrop: 0.1,
  /** Fail on McNemar (p < goldenAlpha) when the candidate loses at least this many discordant pairs per one it wins... */
  mcnemarFailRatio: 4,
  /** ...and its net loss (b - c) is at least this share of the golden set. */
  mcnemarFailNetShare: 0.05,
  /** A class collapses when it is Bonferroni-significantly below expectation and under this fraction of it. */
  collapseFraction: 0.5,
  /** A class dominates the histogram when it absorbs at least this share of the other classes' samples... */
  skewShare: 0.2,
  /** ...and at least this many of them. */
  skewMinCount: 5,
} as const;
