import type { Evaluator } from '../evaluator.js';
import type { ImageGeometry } from '../image/geometry.js';
import { overwriteTrigger, triggeredBatch, type ImageTrigger } from '../image/trigger.js';
import type { Rng } from '../rng.js';
import { classifyBatches } from '../batch.js';
import { argmaxRow, logProbability } from '../scoring.js';

/**
 * B3D-style zeroth-order refinement of a mask + pattern for one target class. The parameters are
 * mask and pattern logits on a coarse grid (at most 16 cells a side). The cross-entropy towards the
 * target is estimated with antithetic Gaussian NES samples; the mask-area penalty's gradient is exact.
 * Neural Cleanse's schedule raises the penalty while the binarised trigger still flips the minibatch
 * and lowers it when it does not; the smallest binarised trigger that flips >= goal is kept.
 */
export interface NesOptions {
  ev: Evaluator;
  g: ImageGeometry;
  source: Float32Array;
  /** Inputs whose true class is not the target. */
  pool: readonly number[];
  target: number;
  init: ImageTrigger;
  iterations: number;
  pairs: number;
  batch: number;
  goal: number;
  rng: Rng;
}

export interface NesOutcome {
  trigger: ImageTrigger | null;
  iterations: number;
  /** Area share of the smallest binarised trigger that reached the goal on a minibatch. */
  area: number | null;
}

const SIGMA = 0.6;
const LR = 0.25;

export async function refineMaskNes(o: NesOptions): Promise<NesOutcome> {
  const { g } = o;
  const cell = Math.max(1, Math.ceil(Math.max(g.height, g.width) / 16));
  const gh = Math.ceil(g.height / cell);
  const gw = Math.ceil(g.width / cell);
  const cells = gh * gw;
  const dim = cells * (1 + g.channels);
  const theta = initialise(o.init, g, cell, gh, gw);
  const adamM = new Float32Array(dim);
  const adamV = new Float32Array(dim);
  let lambda = 2;
  let best: { trigger: ImageTrigger; area: number } | null = null;
  let done = 0;
  const B = Math.min(o.batch, o.pool.length);
  const perIteration = (2 * o.pairs + 1) * B;
  for (let it = 0; it < o.iterations && o.ev.canAfford(perIteration); it++) {
    const batch = Array.from({ length: B }, () => o.pool[o.rng.int(o.pool.length)]!);
    const noises: Float32Array[] = [];
    const triggers: ImageTrigger[] = [];
    for (let j = 0; j < o.pairs; j++) {
      const eps = new Float32Array(dim);
      for (let d = 0; d < dim; d++) eps[d] = o.rng.gaussian();
      noises.push(eps);
      triggers.push(softTrigger(g, shifted(theta, eps, SIGMA), cell, gw, cells), softTrigger(g, shifted(theta, eps, -SIGMA), cell, gw, cells));
    }
    const binary = binaryTrigger(g, theta, cell, gw, cells, o.target);
    triggers.push(binary ?? softTrigger(g, theta, cell, gw, cells));
    const scores = await scoreAll(o, triggers, batch);
    const ce = scores.map((s) => s.ce);
    const grad = new Float32Array(dim);
    for (let j = 0; j < o.pairs; j++) {
      const diff = (ce[2 * j]! - ce[2 * j + 1]!) / (2 * o.pairs * SIGMA);
      const eps = noises[j]!;
      for (let d = 0; d < dim; d++) grad[d]! += diff * eps[d]!;
    }
    for (let k = 0; k < cells; k++) {
      const m = sigmoid(theta[k]!);
      grad[k]! += (lambda * m * (1 - m)) / cells;
    }
    adam(theta, grad, adamM, adamV, it + 1);
    const success = scores[scores.length - 1]!.success;
    if (binary !== null && success >= o.goal) {
      if (best === null || binary.area < best.area) best = { trigger: binary, area: binary.area };
      lambda = Math.min(1000, lambda * 1.3);
    } else {
      lambda = Math.max(0.05, lambda / 1.3);
    }
    done = it + 1;
  }
  if (best !== null) best.trigger.params['iterations'] = done;
  return { trigger: best?.trigger ?? null, iterations: done, area: best?.area ?? null };
}

function initialise(init: ImageTrigger, g: ImageGeometry, cell: number, gh: number, gw: number): Float32Array {
  const cells = gh * gw;
  const theta = new Float32Array(cells * (1 + g.channels)).fill(-3);
  const plane = g.height * g.width;
  const covered = new Float32Array(cells);
  const value = new Float32Array(cells * g.channels);
  for (let k = 0; k < init.elements.length; k++) {
    const e = init.elements[k]!;
    const c = (e / plane) | 0;
    const p = e % plane;
    const cellIndex = Math.floor(Math.floor(p / g.width) / cell) * gw + Math.floor((p % g.width) / cell);
    if (c === 0) covered[cellIndex]! += 1 / (cell * cell);
    value[c * cells + cellIndex]! += (init.shift[k]! - g.lo) / (g.hi - g.lo) / (cell * cell);
  }
  for (let k = 0; k < cells; k++) {
    theta[k] = covered[k]! >= 0.5 ? 3 : -3;
    for (let c = 0; c < g.channels; c++) {
      const u = covered[k]! > 0 ? value[c * cells + k]! / covered[k]! : 0.5;
      const clipped = Math.min(0.95, Math.max(0.05, u));
      theta[cells * (1 + c) + k] = Math.log(clipped / (1 - clipped));
    }
  }
  return theta;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function shifted(theta: Float32Array, eps: Float32Array, s: number): Float32Array {
  const out = new Float32Array(theta.length);
  for (let d = 0; d < theta.length; d++) out[d] = theta[d]! + s * eps[d]!;
  return out;
}

/** x' = (1 - m) x + m p over the whole image (canonical order). */
function softTrigger(g: ImageGeometry, theta: Float32Array, cell: number, gw: number, cells: number): ImageTrigger {
  const elements = new Int32Array(g.size);
  const scale = new Float32Array(g.size);
  const shift = new Float32Array(g.size);
  let k = 0;
  for (let c = 0; c < g.channels; c++) {
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        const ci = Math.floor(y / cell) * gw + Math.floor(x / cell);
        const m = sigmoid(theta[ci]!);
        const p = g.lo + (g.hi - g.lo) * sigmoid(theta[cells * (1 + c) + ci]!);
        elements[k] = k;
        scale[k] = 1 - m;
        shift[k] = m * p;
        k++;
      }
    }
  }
  return { family: 'mask-soft', params: {}, elements, scale, shift, area: 1, controlKey: 'mask-soft' };
}

/** The mask thresholded at 0.5: those pixels overwritten with the pattern. Null when the mask is empty. */
export function binaryTrigger(g: ImageGeometry, theta: Float32Array, cell: number, gw: number, cells: number, target: number): ImageTrigger | null {
  const pixels: number[] = [];
  const values: number[][] = Array.from({ length: g.channels }, () => []);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const ci = Math.floor(y / cell) * gw + Math.floor(x / cell);
      if (theta[ci]! <= 0) continue;
      pixels.push(y * g.width + x);
      for (let c = 0; c < g.channels; c++) {
        const u = sigmoid(theta[cells * (1 + c) + ci]!);
        values[c]!.push(Math.round((g.lo + (g.hi - g.lo) * u) * 1000) / 1000);
      }
    }
  }
  if (pixels.length === 0) return null;
  return maskTrigger(g, pixels, values, target);
}

export function maskTrigger(g: ImageGeometry, pixels: number[], values: number[][], target: number): ImageTrigger {
  return overwriteTrigger(g, pixels, (c, _p, i) => values[c]![i]!, {
    family: 'mask',
    params: { pixels, values, pixelCount: pixels.length, refinedFor: target },
    controlKey: `mask:${pixels.length}`,
  });
}

/** The same mask moved by a random cyclic offset, with a random binary pattern: same size and energy. */
export function maskControl(g: ImageGeometry, trigger: ImageTrigger, rng: Rng): ImageTrigger {
  const pixels = (trigger.params['pixels'] as number[]) ?? [];
  const dy = 1 + rng.int(g.height - 1 || 1);
  const dx = 1 + rng.int(g.width - 1 || 1);
  const moved = pixels.map((p) => (((Math.floor(p / g.width) + dy) % g.height) * g.width + ((p % g.width) + dx) % g.width));
  const values = Array.from({ length: g.channels }, () => moved.map(() => (rng.next() < 0.5 ? g.lo : g.hi)));
  const t = maskTrigger(g, moved, values, -1);
  t.family = 'mask-control';
  return t;
}

async function scoreAll(o: NesOptions, triggers: ImageTrigger[], batch: number[]): Promise<Array<{ ce: number; success: number }>> {
  const C = o.ev.classifier.profile.classCount;
  const scores = await classifyBatches(
    o.ev,
    triggers.map((t) => () => triggeredBatch(o.g, t, o.source, batch)),
    batch.length,
  );
  return scores.map((s) => {
    let ce = 0;
    let hits = 0;
    for (let b = 0; b < batch.length; b++) {
      const row = s.subarray(b * C, (b + 1) * C);
      ce -= logProbability(row, o.target);
      if (argmaxRow(row) === o.target) hits++;
    }
    return { ce: ce / batch.length, success: hits / batch.length };
  });
}

function adam(theta: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: number): void {
  const b1 = 0.9;
  const b2 = 0.999;
  for (let d = 0; d < theta.length; d++) {
    m[d] = b1 * m[d]! + (1 - b1) * grad[d]!;
    v[d] = b2 * v[d]! + (1 - b2) * grad[d]! * grad[d]!;
    const mh = m[d]! / (1 - b1 ** step);
    const vh = v[d]! / (1 - b2 ** step);
    theta[d] = Math.min(8, Math.max(-8, theta[d]! - (LR * mh) / (Math.sqrt(vh) + 1e-8)));
  }
}
