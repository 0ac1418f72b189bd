/** Consistency constant making the MAD estimate the standard deviation of a normal sample. */
export const MAD_CONSTANT = 1.4826;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface MadAnomaly {
  median: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
  /** MAD_CONSTANT × mad. */
  scale: number;
  /**
   * Per value, (median - value) / scale: positive for values below the median, which is the suspicious
   * side for Neural Cleanse-style minimal trigger sizes. With scale 0, ±Infinity for a value off the median.
   */
  scores: number[];
  /** |value - median| / scale. */
  absolute: number[];
}

/** Median-absolute-deviation anomaly index (Neural Cleanse): flag a class when its score exceeds τ (2 to 4). */
export function madAnomalyIndex(values: readonly number[]): MadAnomaly {
  if (!values.every(Number.isFinite)) throw new RangeError('MAD anomaly index needs finite values');
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  const scale = MAD_CONSTANT * mad;
  const score = (d: number) => (d === 0 ? 0 : scale === 0 ? Math.sign(d) * Infinity : d / scale);
  return { median: m, mad, scale, scores: values.map((v) => score(m - v)), absolute: values.map((v) => Math.abs(score(m - v))) };
}
