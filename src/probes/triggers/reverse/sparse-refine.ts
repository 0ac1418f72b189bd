import { classifyBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import type { ImageGeometry } from '../image/geometry.js';
import { overwriteTrigger, triggeredBatch, type ImageTrigger } from '../image/trigger.js';
import { logProbability } from '../scoring.js';

/** Pixel sets larger than this are not refined (each sweep costs pixels x 8 x inputs passes). */
export const MAX_REFINED_PIXELS = 12;
/** The refinement may spend at most this share of the passes left (NES and verification need the rest). */
const MAX_BUDGET_SHARE = 0.2;
const SWEEPS = 2;

/**
 * Local refinement of a scan-built sparse trigger on the SEARCH inputs: each pixel in turn may move
 * to one of its 8 neighbours or to one of the `alternatives` (keeping its value) when that raises the
 * mean log-probability of the target. The single-cell scan ranks pixels one at a time; a convolution
 * makes a trigger pixel's neighbours rank high too, so a scanned set often holds a neighbour of one
 * trigger pixel instead of another trigger pixel, and only a jump to a ranked cell can fix that.
 * Returns the trigger unchanged when it is too large, or when its worst case would take more than
 * MAX_BUDGET_SHARE of the passes left.
 */
export async function refineSparse(o: {
  ev: Evaluator;
  g: ImageGeometry;
  source: Float32Array;
  /** Inputs whose true class is not the target (never the held-out verification inputs). */
  indices: readonly number[];
  target: number;
  trigger: ImageTrigger;
  /** Further pixels any trigger pixel may be swapped for (e.g. the target's best-ranked scan cells). */
  alternatives?: readonly number[];
}): Promise<ImageTrigger> {
  const { g, target } = o;
  const pixels = [...((o.trigger.params['pixels'] as number[] | undefined) ?? [])];
  const values = [...((o.trigger.params['values'] as number[] | undefined) ?? [])];
  if (pixels.length === 0 || pixels.length > MAX_REFINED_PIXELS || values.length !== pixels.length || o.indices.length === 0) return o.trigger;
  const n = o.indices.length;
  const build = (px: readonly number[]) =>
    overwriteTrigger(g, px, (_c, _p, i) => values[i]!, {
      family: 'sparse',
      params: { ...o.trigger.params, k: px.length, pixels: [...px], values: [...values] },
      controlKey: `sparse:${px.length}`,
    });
  const objective = async (sets: number[][]): Promise<number[]> => {
    const scores = await classifyBatches(o.ev, sets.map((px) => () => triggeredBatch(g, build(px), o.source, o.indices)), n);
    const C = o.ev.classifier.profile.classCount;
    return scores.map((s) => {
      let sum = 0;
      for (let b = 0; b < n; b++) sum += logProbability(s.subarray(b * C, (b + 1) * C), target);
      return sum / n;
    });
  };
  const perPixel = 8 + (o.alternatives?.length ?? 0);
  if (n * (1 + SWEEPS * pixels.length * perPixel) > MAX_BUDGET_SHARE * o.ev.remaining()) return o.trigger;
  let [current] = await objective([pixels]);
  let moved = 0;
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    let improved = false;
    for (let i = 0; i < pixels.length; i++) {
      const taken = new Set(pixels);
      const options = [...new Set([...neighbours(g, pixels[i]!), ...(o.alternatives ?? [])])].filter((p) => !taken.has(p));
      if (options.length === 0) continue;
      const sets = options.map((p) => pixels.map((q, j) => (j === i ? p : q)));
      const scores = await objective(sets);
      let best = -1;
      for (let k = 0; k < scores.length; k++) if (scores[k]! > current! + 1e-9 && (best < 0 || scores[k]! > scores[best]!)) best = k;
      if (best >= 0) {
        pixels[i] = options[best]!;
        current = scores[best]!;
        improved = true;
        moved++;
      }
    }
    if (!improved) break;
  }
  const out = build(pixels);
  out.params['refinedMoves'] = moved;
  return out;
}

function neighbours(g: ImageGeometry, p: number): number[] {
  const y = Math.floor(p / g.width);
  const x = p % g.width;
  const out: number[] = [];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const ny = y + dy;
      const nx = x + dx;
      if ((dy !== 0 || dx !== 0) && ny >= 0 && ny < g.height && nx >= 0 && nx < g.width) out.push(ny * g.width + nx);
    }
  }
  return out;
}
