import { median, MAD_CONSTANT } from '../stats/index.js';

export { binomialTailGE } from '../stats/index.js';

/**
 * Neural Cleanse's anomaly index of each value below the median: (median - v) / (1.4826 * MAD).
 * Values above the median score 0: only unusually SMALL trigger sizes are suspicious. Unlike the
 * plain index (src/probes/stats madAnomalyIndex), the MAD is floored at `floorShare` of the median, so
 * that many identical values (e.g. classes no small trigger reaches) do not turn a modest difference
 * into an infinite index.
 */
export function lowSideAnomalyIndex(values: readonly number[], floorShare = 0.05): number[] {
  if (values.length === 0) return [];
  const med = median(values);
  const mad = median(values.map((v) => Math.abs(v - med)));
  const scale = MAD_CONSTANT * Math.max(mad, floorShare * Math.abs(med), 1e-9);
  return values.map((v) => Math.max(0, (med - v) / scale));
}
