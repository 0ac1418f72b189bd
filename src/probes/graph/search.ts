import type { CleanBaseline, GoldenSet } from '../types.js';
import { boxArea, type Box, type SampleGeometry } from './geometry.js';
import { applyPattern, makeLike, copySample, type Pattern } from './patterns.js';
import type { ExposedRunner, ExposedValues } from './runner.js';

/** What one confirmation works on: a gate cluster (or a bypass) and the tensors that show it. */
export interface GateTarget {
  id: string;
  gates: string[];
  nodes: string[];
  /** Exposed tensors constant on clean data (a change means the gate flipped): the one nearest the merge. */
  watch: string[];
  /** Watch candidates, the gate nearest the override first. */
  watchOrder: string[];
  /** Where the gates read the input, when known statically. */
  region: Box | null;
  /** Continuous pre-gate tensors and the direction that flips each (+1 up, -1 down, 0 unknown). */
  probes: Array<{ name: string; direction: number }>;
  constants: number[];
  strong: boolean;
}

export interface Trial {
  box: Box;
  pattern: Pattern;
  /** Share of probe samples whose gate flipped or whose prediction moved to the common target. */
  success: number;
  target: number;
}

/** Flip rate at or above which a candidate counts as triggering the gate. */
export const TRIGGERED = 0.75;

export function argmax(scores: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (scores[row * classes + c]! > scores[row * classes + best]!) best = c;
  return best;
}

function sameValues(a: Float64Array | undefined, b: Float64Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-6 * Math.max(1, Math.abs(b[i]!))) return false;
  return true;
}

/** Whether an exposed tensor takes one value on every clean sample; returns that value. */
export function constantValue(v: ExposedValues | undefined): Float64Array | null {
  if (!v || v.values.length === 0) return null;
  const first = v.values[0]!;
  return v.values.every((x) => sameValues(x, first)) ? first : null;
}

/** Samples the model classifies correctly, spread round-robin over their labels, skipping `exclude`. */
export function pickSamples(golden: GoldenSet, baseline: CleanBaseline, count: number, exclude = -1): number[] {
  const byLabel = new Map<number, number[]>();
  for (const i of baseline.correct) {
    const label = golden.labels[i]!;
    if (label === exclude) continue;
    const list = byLabel.get(label) ?? [];
    list.push(i);
    byLabel.set(label, list);
  }
  const lists = [...byLabel.values()];
  const out: number[] = [];
  for (let k = 0; out.length < count && lists.some((l) => k < l.length); k++) {
    for (const l of lists) if (k < l.length && out.length < count) out.push(l[k]!);
  }
  return out;
}

export class GateSearch {
  constructor(
    private readonly runner: ExposedRunner,
    private readonly golden: GoldenSet,
    private readonly baseline: CleanBaseline,
    private readonly g: SampleGeometry,
    private readonly clean: Map<string, Float64Array>,
    readonly target: GateTarget,
    private readonly samples: number[],
  ) {}

  private get classes(): number {
    return this.runner.profile.classCount;
  }

  /** Runs a pattern on the probe samples; success = gate flipped or prediction moved to one common class. */
  async trial(box: Box, pattern: Pattern): Promise<Trial> {
    const inputs = applyPattern(this.golden.inputs, this.samples, this.g, box, pattern);
    const { logits, exposed } = await this.runner.run(inputs, this.samples.length);
    let flipped = 0;
    const counts = new Map<number, number>();
    this.samples.forEach((s, k) => {
      const predicted = argmax(logits, k, this.classes);
      if (predicted !== this.baseline.predicted[s]) counts.set(predicted, (counts.get(predicted) ?? 0) + 1);
      const gateMoved = this.target.watch.some((name) => {
        const v = exposed.get(name);
        const value = v?.perSample ? v.values[k] : v?.values[0];
        return !sameValues(value, this.clean.get(name));
      });
      if (gateMoved) flipped++;
    });
    let target = -1;
    let moved = 0;
    for (const [c, n] of counts) if (n > moved) [target, moved] = [c, n];
    const n = this.samples.length;
    // With a watchable gate its flip is the signal; otherwise only a move of the prediction counts.
    return { box, pattern, success: this.target.watch.length > 0 ? flipped / n : moved / n, target };
  }

  /**
   * Input boxes the gate's continuous signal reacts to: each block of the sample set to both range ends
   * on one clean sample; the bounding box of the blocks that move any probe. Null when nothing moves.
   */
  async sensitiveBox(): Promise<Box | null> {
    const probes = this.target.probes.map((p) => p.name);
    if (probes.length === 0 || this.samples.length === 0) return null;
    const bh = Math.max(1, Math.ceil(this.g.height / 8));
    const bw = Math.max(1, Math.ceil(this.g.width / 8));
    const blocks: Box[] = [];
    for (let top = 0; top < this.g.height; top += bh) {
      for (let left = 0; left < this.g.width; left += bw) {
        blocks.push({ top, left, height: Math.min(bh, this.g.height - top), width: Math.min(bw, this.g.width - left) });
      }
    }
    const s0 = this.samples[0]!;
    const variants = makeLike(this.golden.inputs, (1 + blocks.length * 2) * this.g.size);
    copySample(this.golden.inputs, s0, variants, 0, this.g.size);
    blocks.forEach((b, i) => {
      for (const [k, value] of [[1 + 2 * i, this.g.high], [2 + 2 * i, this.g.low]] as const) {
        const one = applyPattern(this.golden.inputs, [s0], this.g, b, { kind: 'constant', value });
        copySample(one, 0, variants, k, this.g.size);
      }
    });
    const { exposed } = await this.runner.run(variants, 1 + blocks.length * 2);
    const moved: Box[] = [];
    blocks.forEach((b, i) => {
      const hit = probes.some((name) => {
        const v = exposed.get(name);
        if (!v?.perSample) return false;
        return !sameValues(v.values[1 + 2 * i], v.values[0]) || !sameValues(v.values[2 + 2 * i], v.values[0]);
      });
      if (hit) moved.push(b);
    });
    if (moved.length === 0) return null;
    const top = Math.min(...moved.map((b) => b.top));
    const left = Math.min(...moved.map((b) => b.left));
    const bottom = Math.max(...moved.map((b) => b.top + b.height));
    const right = Math.max(...moved.map((b) => b.left + b.width));
    return { top, left, height: bottom - top, width: right - left };
  }

  /**
   * Solves a threshold chain numerically: finite differences of the probes (signed by the direction that
   * flips each gate) per element of the box, then every element at the range end that pushes the right way.
   */
  async gradientSign(box: Box): Promise<Pattern | null> {
    const probes = this.target.probes.filter((p) => p.direction !== 0);
    const elements = boxArea(box) * this.g.channels;
    if (probes.length === 0 || this.g.integer || elements > 512 || this.samples.length === 0) return null;
    const s0 = this.samples[0]!;
    const delta = (this.g.high - this.g.low) * 0.25;
    const variants = makeLike(this.golden.inputs, (1 + elements) * this.g.size);
    copySample(this.golden.inputs, s0, variants, 0, this.g.size);
    const positions: number[] = [];
    for (let c = 0; c < this.g.channels; c++) {
      for (let dy = 0; dy < box.height; dy++) {
        for (let dx = 0; dx < box.width; dx++) positions.push(this.g.index(c, box.top + dy, box.left + dx));
      }
    }
    positions.forEach((at, k) => {
      copySample(this.golden.inputs, s0, variants, k + 1, this.g.size);
      const v = variants as Float32Array;
      const base = v[(k + 1) * this.g.size + at]!;
      v[(k + 1) * this.g.size + at] = base + delta <= this.g.high ? base + delta : base - delta;
    });
    const { exposed } = await this.runner.run(variants, 1 + elements);
    const values = new Float64Array(this.g.size).fill((this.g.low + this.g.high) / 2);
    const objective = (row: number): number => {
      let sum = 0;
      for (const p of probes) {
        const v = exposed.get(p.name);
        const arr = v?.perSample ? v.values[row] : undefined;
        if (arr) for (const x of arr) sum += p.direction * x;
      }
      return sum;
    };
    const j0 = objective(0);
    const source = variants as Float32Array;
    let informative = false;
    positions.forEach((at, k) => {
      const moved = source[(k + 1) * this.g.size + at]! - source[at]!;
      const slope = (objective(k + 1) - j0) * Math.sign(moved);
      if (slope !== 0) informative = true;
      values[at] = slope > 0 ? this.g.high : slope < 0 ? this.g.low : values[at]!;
    });
    return informative ? { kind: 'gradient-sign', values } : null;
  }

  /** Candidate patterns, most specific first. */
  candidates(gradient: Pattern | null): Pattern[] {
    const { low, high, integer } = this.g;
    const list: Pattern[] = [];
    if (gradient) list.push(gradient);
    const span = high - low;
    const values = new Set<number>();
    for (const c of this.target.constants.slice(0, 6)) {
      if (!Number.isFinite(c)) continue;
      const around = integer ? [c] : [c, c + 0.05 * span, c - 0.05 * span];
      for (const v of around) if (v >= low && v <= high) values.add(integer ? Math.round(v) : v);
    }
    for (const v of [high, low]) values.add(v);
    for (const v of values) list.push({ kind: 'constant', value: v });
    if (!integer) list.push({ kind: 'checker', phase: 0 }, { kind: 'checker', phase: 1 });
    list.push({ kind: 'random', seed: 11 }, { kind: 'random', seed: 12 });
    if (!integer) list.push({ kind: 'constant', value: (low + high) / 2 });
    return list;
  }

  /** Halves the box while a half still triggers, then trims edges one row/column at a time. */
  async shrink(start: Trial, maxTrials = 48): Promise<Trial> {
    let best = start;
    let trials = 0;
    const split = (b: Box): Box[] => {
      if (b.height >= b.width && b.height > 1) {
        const h = Math.floor(b.height / 2);
        return [{ ...b, height: h }, { ...b, top: b.top + h, height: b.height - h }];
      }
      if (b.width > 1) {
        const w = Math.floor(b.width / 2);
        return [{ ...b, width: w }, { ...b, left: b.left + w, width: b.width - w }];
      }
      return [];
    };
    let progress = true;
    while (progress && trials < maxTrials) {
      progress = false;
      for (const half of split(best.box)) {
        if (trials >= maxTrials || this.runner.remaining < this.samples.length) break;
        trials++;
        const t = await this.trial(half, best.pattern);
        if (t.success >= TRIGGERED) {
          best = t;
          progress = true;
          break;
        }
      }
    }
    const trims = (b: Box): Box[] => [
      { ...b, top: b.top + 1, height: b.height - 1 },
      { ...b, height: b.height - 1 },
      { ...b, left: b.left + 1, width: b.width - 1 },
      { ...b, width: b.width - 1 },
    ].filter((x) => x.height > 0 && x.width > 0);
    progress = true;
    while (progress && trials < maxTrials) {
      progress = false;
      for (const smaller of trims(best.box)) {
        if (trials >= maxTrials || this.runner.remaining < this.samples.length) break;
        trials++;
        const t = await this.trial(smaller, best.pattern);
        if (t.success >= TRIGGERED) {
          best = t;
          progress = true;
          break;
        }
      }
    }
    return best;
  }
}
