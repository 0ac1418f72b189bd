import { classifyBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import type { ImageGeometry } from '../image/geometry.js';
import { overwriteTrigger, triggeredBatch, type ImageTrigger } from '../image/trigger.js';
import { probabilities } from '../scoring.js';

/**
 * A forward-only sensitivity map: for each cell (a block of pixels, at most 256 cells) and each
 * extreme value, the mean change of every class's log-probability when that cell alone is set to
 * the value. One scan serves every class at once; sparse and blend candidates are built from it.
 */
export interface SensitivityMap {
  cellSize: number;
  /** Plane pixel indices of each cell. */
  cells: number[][];
  classCount: number;
  /** [cell * C + t]: mean change of log p_t (inputs of class t excluded) with the cell set to hi / lo. */
  up: Float64Array;
  down: Float64Array;
}

export const MAX_CELLS = 256;

export function scanCells(g: ImageGeometry): { cellSize: number; cells: number[][] } {
  const cellSize = Math.max(1, Math.ceil(Math.sqrt((g.height * g.width) / MAX_CELLS)));
  const cells: number[][] = [];
  for (let cy = 0; cy < g.height; cy += cellSize) {
    for (let cx = 0; cx < g.width; cx += cellSize) {
      const pixels: number[] = [];
      for (let y = cy; y < Math.min(g.height, cy + cellSize); y++) for (let x = cx; x < Math.min(g.width, cx + cellSize); x++) pixels.push(y * g.width + x);
      cells.push(pixels);
    }
  }
  return { cellSize, cells };
}

export function cellTrigger(g: ImageGeometry, pixels: number[], value: number, family: string): ImageTrigger {
  return overwriteTrigger(g, pixels, () => value, { family, params: {}, controlKey: family });
}

export async function sensitivityScan(o: {
  ev: Evaluator;
  g: ImageGeometry;
  source: Float32Array;
  indices: readonly number[];
  labels: Int32Array;
  classCount: number;
}): Promise<SensitivityMap> {
  const { g, indices, labels } = o;
  const C = o.classCount;
  const { cellSize, cells } = scanCells(g);
  const n = indices.length;
  const triggers = [...cells.map((p) => cellTrigger(g, p, g.hi, 'scan')), ...cells.map((p) => cellTrigger(g, p, g.lo, 'scan'))];
  const [clean, ...scores] = await classifyBatches(
    o.ev,
    [() => triggeredBatch(g, null, o.source, indices), ...triggers.map((t) => () => triggeredBatch(g, t, o.source, indices))],
    n,
  );
  const base = logProbs(clean!, n, C);
  const counts = new Float64Array(C);
  for (let i = 0; i < n; i++) for (let t = 0; t < C; t++) if (labels[i] !== t) counts[t]!++;
  const delta = (s: Float32Array): Float64Array => {
    const lp = logProbs(s, n, C);
    const out = new Float64Array(C);
    for (let i = 0; i < n; i++) for (let t = 0; t < C; t++) if (labels[i] !== t) out[t]! += lp[i * C + t]! - base[i * C + t]!;
    for (let t = 0; t < C; t++) out[t] = counts[t]! > 0 ? out[t]! / counts[t]! : 0;
    return out;
  };
  const up = new Float64Array(cells.length * C);
  const down = new Float64Array(cells.length * C);
  cells.forEach((_, k) => {
    up.set(delta(scores[k]!), k * C);
    down.set(delta(scores[cells.length + k]!), k * C);
  });
  return { cellSize, cells, classCount: C, up, down };
}

function logProbs(scores: Float32Array, n: number, C: number): Float64Array {
  const out = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const p = probabilities(scores.subarray(i * C, (i + 1) * C));
    for (let t = 0; t < C; t++) out[i * C + t] = Math.log(Math.max(p[t]!, 1e-12));
  }
  return out;
}

/** The cells ranked by how much setting them (to their better extreme) raises class t. */
export function rankedCells(map: SensitivityMap, t: number): Array<{ cell: number; high: boolean; gain: number }> {
  const C = map.classCount;
  return map.cells
    .map((_, k) => {
      const u = map.up[k * C + t]!;
      const d = map.down[k * C + t]!;
      return { cell: k, high: u >= d, gain: Math.max(u, d) };
    })
    .sort((a, b) => b.gain - a.gain || a.cell - b.cell);
}

/** The direction that raises class t: per cell, hi when setting it high helps more than setting it low. */
export function blendDirection(map: SensitivityMap, t: number): boolean[] {
  const C = map.classCount;
  return map.cells.map((_, k) => map.up[k * C + t]! >= map.down[k * C + t]!);
}
