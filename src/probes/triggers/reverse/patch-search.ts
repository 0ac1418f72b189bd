import { classifyBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import { patchTrigger } from '../image/families.js';
import type { ImageGeometry } from '../image/geometry.js';
import type { PatchPattern } from '../image/patterns.js';
import { triggeredBatch, type ImageTrigger } from '../image/trigger.js';
import { argmaxRow, probabilities } from '../scoring.js';

/** A patch candidate and its per-target-class statistics over the inputs it has seen so far. */
export interface PatchCandidate {
  trigger: ImageTrigger;
  size: number;
  x: number;
  y: number;
  pattern: PatchPattern;
  flips: Int32Array;
  eligible: Int32Array;
  /** Sum over eligible inputs of the target's probability: ranks candidates that flip nothing yet. */
  probability: Float64Array;
  seen: number;
}

export function candidateAsr(c: PatchCandidate, target: number): number {
  const e = c.eligible[target]!;
  return e === 0 ? 0 : c.flips[target]! / e;
}

function candidateProbability(c: PatchCandidate, target: number): number {
  const e = c.eligible[target]!;
  return e === 0 ? 0 : c.probability[target]! / e;
}

/** Square patch sizes for the search: about 8-25 % of the shorter side, at least 2 px. */
export function searchSizes(g: ImageGeometry): number[] {
  const side = Math.min(g.height, g.width);
  return [...new Set([0.08, 0.12, 0.18, 0.25].map((f) => Math.max(2, Math.round(side * f))))].filter((s) => s <= side);
}

export function searchPatterns(g: ImageGeometry): PatchPattern[] {
  return g.channels === 3 ? ['white', 'black', 'checker', 'noise', 'colour'] : ['white', 'black', 'checker', 'noise'];
}

function positions(extent: number, size: number, stride: number): number[] {
  const out: number[] = [];
  for (let p = 0; p <= extent - size; p += stride) out.push(p);
  if (out[out.length - 1] !== extent - size) out.push(extent - size);
  return out;
}

export interface GridSpot {
  x: number;
  y: number;
  size: number;
  pattern: PatchPattern;
}

/** (location, size, pattern) on a grid whose stride grows until at most `max` spots remain; also returns the stride used per size. */
export function patchGrid(g: ImageGeometry, max: number): { spots: GridSpot[]; strides: Map<number, number> } {
  const patterns = searchPatterns(g);
  const sizes = searchSizes(g);
  for (let extra = 0; ; extra++) {
    const spots: GridSpot[] = [];
    const strides = new Map<number, number>();
    for (const size of sizes) {
      const stride = Math.max(1, Math.ceil(size / 2)) + extra;
      strides.set(size, stride);
      for (const y of positions(g.height, size, stride)) {
        for (const x of positions(g.width, size, stride)) for (const pattern of patterns) spots.push({ x, y, size, pattern });
      }
    }
    if (spots.length <= max || extra > Math.max(g.height, g.width)) return { spots, strides };
  }
}

export function makeCandidate(g: ImageGeometry, spot: GridSpot, classCount: number): PatchCandidate {
  return {
    ...spot,
    trigger: patchTrigger(g, { ...spot, seed: 1 }),
    flips: new Int32Array(classCount),
    eligible: new Int32Array(classCount),
    probability: new Float64Array(classCount),
    seen: 0,
  };
}

export interface HalvingOptions {
  ev: Evaluator;
  g: ImageGeometry;
  source: Float32Array;
  indices: readonly number[];
  labels: Int32Array;
  classCount: number;
  spots: GridSpot[];
  strides: Map<number, number>;
  rounds: Array<{ inputs: number; keepPerClass: number }>;
  /** After the first round, the best few per class also try every offset between grid points. */
  refinePerClass: number;
  /** Most target classes searched after the first round (all of them when there are fewer). */
  classLimit: number;
}

/**
 * Successive halving: all candidates on the first round's inputs, then for each target class only
 * its best few go on to more inputs (ranked by flip rate, then by the target's mean probability).
 * After the first round the best candidates' off-grid neighbours join, so a patch between grid
 * points is still found. Counts accumulate: a later round extends the earlier ones.
 */
export async function successiveHalving(o: HalvingOptions): Promise<{ finalists: PatchCandidate[]; classes: number[] }> {
  const C = o.classCount;
  let alive = o.spots.map((s) => makeCandidate(o.g, s, C));
  let classes = Array.from({ length: C }, (_, t) => t);
  const known = new Set(o.spots.map(spotKey));
  for (let r = 0; r < o.rounds.length; r++) {
    const round = o.rounds[r]!;
    await extend(o, alive, Math.min(round.inputs, o.indices.length));
    if (r === 0) {
      classes = strongestClasses(alive, classes, o.classLimit);
      if (o.refinePerClass > 0) {
        const neighbours = neighboursOf(o, topPerClass(alive, classes, o.refinePerClass), known);
        await extend(o, neighbours, Math.min(round.inputs, o.indices.length));
        alive = alive.concat(neighbours);
      }
    }
    const keep = topPerClass(alive, classes, round.keepPerClass);
    alive = alive.filter((c) => keep.has(c));
  }
  return { finalists: alive, classes };
}

/** With many classes, only the `limit` classes the best candidates reach most go on being searched. */
function strongestClasses(alive: PatchCandidate[], classes: number[], limit: number): number[] {
  if (classes.length <= limit) return classes;
  const strength = classes.map((t) => {
    let asr = 0;
    let prob = 0;
    for (const c of alive) {
      asr = Math.max(asr, candidateAsr(c, t));
      prob = Math.max(prob, candidateProbability(c, t));
    }
    return { t, asr, prob };
  });
  return strength
    .sort((a, b) => b.asr - a.asr || b.prob - a.prob || a.t - b.t)
    .slice(0, limit)
    .map((x) => x.t)
    .sort((a, b) => a - b);
}

function topPerClass(alive: PatchCandidate[], classes: number[], k: number): Set<PatchCandidate> {
  const keep = new Set<PatchCandidate>();
  for (const t of classes) {
    alive
      .slice()
      .sort((a, b) => candidateAsr(b, t) - candidateAsr(a, t) || candidateProbability(b, t) - candidateProbability(a, t) || a.size - b.size)
      .slice(0, k)
      .forEach((c) => keep.add(c));
  }
  return keep;
}

function neighboursOf(o: HalvingOptions, best: Set<PatchCandidate>, known: Set<string>): PatchCandidate[] {
  const out: PatchCandidate[] = [];
  for (const c of best) {
    const reach = (o.strides.get(c.size) ?? 1) - 1;
    for (let dy = -reach; dy <= reach; dy++) {
      for (let dx = -reach; dx <= reach; dx++) {
        const spot: GridSpot = { x: c.x + dx, y: c.y + dy, size: c.size, pattern: c.pattern };
        if (spot.x < 0 || spot.y < 0 || spot.x + spot.size > o.g.width || spot.y + spot.size > o.g.height) continue;
        const key = spotKey(spot);
        if (known.has(key)) continue;
        known.add(key);
        out.push(makeCandidate(o.g, spot, o.classCount));
      }
    }
  }
  return out;
}

function spotKey(s: GridSpot): string {
  return `${s.x},${s.y},${s.size},${s.pattern}`;
}

/** Runs each candidate on inputs [seen, upto) and accumulates its statistics. */
async function extend(o: HalvingOptions, candidates: PatchCandidate[], upto: number): Promise<void> {
  const byStart = new Map<number, PatchCandidate[]>();
  for (const c of candidates) if (c.seen < upto) byStart.set(c.seen, [...(byStart.get(c.seen) ?? []), c]);
  const C = o.classCount;
  for (const [from, group] of byStart) {
    const idx = o.indices.slice(from, upto);
    const lab = o.labels.subarray(from, upto);
    const scores = await classifyBatches(
      o.ev,
      group.map((c) => () => triggeredBatch(o.g, c.trigger, o.source, idx)),
      idx.length,
    );
    group.forEach((c, j) => {
      const s = scores[j]!;
      for (let i = 0; i < idx.length; i++) {
        const row = s.subarray(i * C, (i + 1) * C);
        const p = argmaxRow(row);
        const y = lab[i]!;
        const prob = probabilities(row);
        for (let t = 0; t < C; t++) {
          if (t === y) continue;
          c.eligible[t]!++;
          c.probability[t]! += prob[t]!;
        }
        if (p !== y) c.flips[p]!++;
      }
      c.seen = upto;
    });
  }
}
