import { predictBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import type { ImageGeometry } from '../image/geometry.js';
import { overwriteTrigger, triggeredBatch, wholeImageTrigger, type ImageTrigger } from '../image/trigger.js';
import { flipsTo } from '../scoring.js';
import { blendDirection, rankedCells, type SensitivityMap } from './sensitivity.js';

/** One class's result in a scan-guided family: the smallest trigger that reached the goal, and a score. */
export interface ScanClassResult {
  target: number;
  /** Smallest size (area share for sparse, alpha for blend) whose trigger reached asrFail, or null. */
  minimal: number | null;
  /** min over sizes of size / max(ASR, floor): lower means easier to reach. */
  score: number;
  bestAsr: number;
  /** The minimal trigger when one reached the goal, else the one with the best score. */
  trigger: ImageTrigger;
  /** The smallest trigger that reached bestAsr (the one a held-out verification should test). */
  strongest: ImageTrigger;
}

const ASR_FLOOR = 0.05;
const SPARSE_CELLS = [1, 2, 3, 4, 6, 8, 12, 16, 24];
const MAX_SPARSE_AREA = 0.1;
export const SCAN_BLEND_ALPHAS = [0.05, 0.1, 0.15, 0.2, 0.3];

/**
 * Sparse pixels: each class's top-k cells (set to the extreme that helps it most) for growing k, both
 * as ranked and "spread" (skipping cells next to one already chosen: a convolution makes a trigger
 * pixel's neighbours score high too, and they would crowd out the other trigger pixels).
 */
export function sparseCandidates(g: ImageGeometry, map: SensitivityMap, target: number): ImageTrigger[] {
  const ranked = rankedCells(map, target);
  const spread = spreadOut(ranked, map, g);
  const plane = g.height * g.width;
  const out: ImageTrigger[] = [];
  for (const [selection, list] of [['ranked', ranked], ['spread', spread]] as const) {
    for (const k of SPARSE_CELLS) {
      if (k > list.length) break;
      const pixels: number[] = [];
      const values: number[] = [];
      for (const c of list.slice(0, k)) {
        for (const p of map.cells[c.cell]!) {
          pixels.push(p);
          values.push(c.high ? g.hi : g.lo);
        }
      }
      if (pixels.length / plane > MAX_SPARSE_AREA) break;
      out.push(
        overwriteTrigger(g, pixels, (_c, _p, i) => values[i]!, {
          family: 'sparse',
          params: { k: pixels.length, value: 'scanned', pixels, values, selection, foundBy: 'sensitivity-scan', scannedFor: target },
          controlKey: `sparse:${pixels.length}`,
        }),
      );
    }
  }
  return out;
}

export function spreadOut<T extends { cell: number }>(ranked: T[], map: SensitivityMap, g: ImageGeometry): T[] {
  const perRow = Math.ceil(g.width / map.cellSize);
  const taken = new Set<number>();
  const out: T[] = [];
  for (const c of ranked) {
    const cy = Math.floor(c.cell / perRow);
    const cx = c.cell % perRow;
    let near = false;
    for (let dy = -1; dy <= 1 && !near; dy++) for (let dx = -1; dx <= 1; dx++) if (taken.has((cy + dy) * perRow + (cx + dx)) && cx + dx >= 0 && cx + dx < perRow) near = true;
    if (near) continue;
    taken.add(c.cell);
    out.push(c);
  }
  return out;
}

/** Blends towards each class's sensitivity direction (hi/lo per cell) at growing alpha. */
export function blendCandidates(g: ImageGeometry, map: SensitivityMap, target: number): ImageTrigger[] {
  const high = blendDirection(map, target);
  const cellOf = new Int32Array(g.height * g.width);
  map.cells.forEach((pixels, k) => pixels.forEach((p) => (cellOf[p] = k)));
  const bits = high.map((h) => (h ? '1' : '0')).join('');
  return SCAN_BLEND_ALPHAS.map((alpha) =>
    wholeImageTrigger(
      g,
      () => 1 - alpha,
      (_c, y, x) => alpha * (high[cellOf[y * g.width + x]!] ? g.hi : g.lo),
      {
        family: 'blend',
        params: { pattern: 'sensitivity', cellSize: map.cellSize, patternBits: bits, foundBy: 'sensitivity-scan', scannedFor: target },
        controlKey: `blend:${alpha}`,
        alpha,
      },
    ),
  );
}

/** Measures every class's candidates on the inputs and summarises each class. */
export async function measureScanFamily(o: {
  ev: Evaluator;
  g: ImageGeometry;
  source: Float32Array;
  indices: readonly number[];
  labels: Int32Array;
  /** The target classes to measure. */
  targets: readonly number[];
  candidates: (target: number) => ImageTrigger[];
  sizeOf: (t: ImageTrigger) => number;
  asrFail: number;
}): Promise<ScanClassResult[]> {
  const perClass = o.targets.map((t) => o.candidates(t));
  const flat = perClass.flat();
  const predicted = await predictBatches(
    o.ev,
    flat.map((t) => () => triggeredBatch(o.g, t, o.source, o.indices)),
    o.indices.length,
  );
  let at = 0;
  return perClass.map((list, k) => {
    const target = o.targets[k]!;
    let minimal: number | null = null;
    let minimalTrigger: ImageTrigger | undefined;
    let score = Infinity;
    let scoreTrigger = list[0]!;
    let bestAsr = -1;
    let strongest = list[0]!;
    for (const trigger of list) {
      const asr = flipsTo(o.labels, predicted[at++]!, target).asr;
      const size = o.sizeOf(trigger);
      if (asr > bestAsr || (asr === bestAsr && size < o.sizeOf(strongest))) strongest = trigger;
      bestAsr = Math.max(bestAsr, asr);
      const s = size / Math.max(asr, ASR_FLOOR);
      if (s < score) {
        score = s;
        scoreTrigger = trigger;
      }
      if (asr >= o.asrFail && (minimal === null || size < minimal)) {
        minimal = size;
        minimalTrigger = trigger;
      }
    }
    return { target, minimal, score, bestAsr, trigger: minimalTrigger ?? scoreTrigger, strongest };
  });
}
