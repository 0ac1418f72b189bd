/** Flip statistics of one trigger on a set of golden inputs (true labels known, all classified right when clean). */
export interface FlipOutcome {
  target: number;
  /** Inputs whose true class is not the target. */
  eligible: number;
  /** Of those, how many the trigger pushed to the target. */
  flips: number;
  asr: number;
  /** Distinct true classes among the flipped inputs. */
  sourceClasses: number;
}

/** Flips to one given target. */
export function flipsTo(labels: Int32Array, predicted: Int32Array, target: number): FlipOutcome {
  let eligible = 0;
  let flips = 0;
  const sources = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === target) continue;
    eligible++;
    if (predicted[i] === target) {
      flips++;
      sources.add(labels[i]!);
    }
  }
  return { target, eligible, flips, asr: eligible === 0 ? 0 : flips / eligible, sourceClasses: sources.size };
}

/** The single most frequent new label: the target a trigger pushes to (ties → lowest class id). */
export function bestTarget(labels: Int32Array, predicted: Int32Array, classCount: number): FlipOutcome {
  const flipsPer = new Int32Array(classCount);
  const perClass = new Int32Array(classCount);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y >= 0 && y < classCount) perClass[y]!++;
    const p = predicted[i]!;
    if (p !== y && p >= 0 && p < classCount) flipsPer[p]!++;
  }
  let best = 0;
  let bestAsr = -1;
  for (let t = 0; t < classCount; t++) {
    const eligible = labels.length - perClass[t]!;
    const asr = eligible === 0 ? 0 : flipsPer[t]! / eligible;
    if (asr > bestAsr) {
      bestAsr = asr;
      best = t;
    }
  }
  return flipsTo(labels, predicted, best);
}

/** Log-probability of the target: log-softmax of logits, or the log of the score when the row is already a distribution. */
export function logProbability(row: Float32Array, target: number): number {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of row) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0 && Math.abs(sum - 1) < 1e-3) return Math.log(Math.max(row[target]!, 1e-12));
  let z = 0;
  for (const v of row) z += Math.exp(v - max);
  return row[target]! - max - Math.log(z);
}

export function argmaxRow(row: Float32Array): number {
  let arg = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[arg]!) arg = c;
  return arg;
}

/** The row as probabilities: softmax of logits, or the row itself when it is already a distribution. */
export function probabilities(row: Float32Array): Float64Array {
  const out = new Float64Array(row.length);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of row) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0 && Math.abs(sum - 1) < 1e-3) {
    out.set(row);
    return out;
  }
  let z = 0;
  for (let c = 0; c < row.length; c++) z += out[c] = Math.exp(row[c]! - max);
  for (let c = 0; c < row.length; c++) out[c]! /= z;
  return out;
}
