/** Per-row argmax of n × classes scores; NaN never wins, and a row of only NaN gets -1. */
export function argmaxRows(scores: Float32Array, n: number, classes: number): Int32Array {
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = -1;
    let bestValue = -Infinity;
    const base = r * classes;
    for (let c = 0; c < classes; c++) {
      const v = scores[base + c]!;
      if (v > bestValue || (best === -1 && v === -Infinity)) {
        best = c;
        bestValue = v;
      }
    }
    labels[r] = best;
  }
  return labels;
}
