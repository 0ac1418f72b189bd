import { predictBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import type { Rng } from '../rng.js';
import { bestTarget, flipsTo } from '../scoring.js';
import { pickControls } from './candidates.js';
import { insertedBatch, type InsertPosition, type TokenSpace } from './tokens.js';

export interface GroupHit {
  tokens: number[];
  position: InsertPosition;
  target: number;
  /** Flip rate of the whole group on the screening inputs. */
  groupAsr: number;
}

export interface GroupTestingOptions {
  ev: Evaluator;
  s: TokenSpace;
  indices: readonly number[];
  labels: Int32Array;
  classCount: number;
  pool: readonly number[];
  groupSize: number;
  positions: readonly InsertPosition[];
  common: readonly number[];
  rng: Rng;
  /** Flip rate a group must reach (and beat the common-token groups by 0.3). */
  threshold: number;
  maxHits: number;
}

/**
 * Group testing: insert `groupSize` candidate tokens at once; for each group that pushes the screening
 * inputs to one class, bisect (then drop tokens one by one) down to the fewest tokens that still do.
 */
export async function groupTest(o: GroupTestingOptions): Promise<{ hits: GroupHit[]; groupsTried: number; flaggedGroups: number }> {
  const { ev, s, indices, labels } = o;
  const hits: GroupHit[] = [];
  let groupsTried = 0;
  let flaggedGroups = 0;
  const groups: number[][] = [];
  for (let i = 0; i < o.pool.length; i += o.groupSize) groups.push(o.pool.slice(i, i + o.groupSize));
  for (const position of o.positions) {
    const controlGroups = Array.from({ length: 4 }, () => pickControls(o.common, o.groupSize, o.rng));
    const controlPred = await predictBatches(ev, controlGroups.map((g) => insertedBatch(s, indices, g, position)), indices.length);
    const predicted = await predictBatches(ev, groups.map((g) => insertedBatch(s, indices, g, position)), indices.length);
    groupsTried += groups.length;
    const flagged = groups
      .map((group, i) => ({ group, f: bestTarget(labels, predicted[i]!, o.classCount) }))
      .filter(({ f }) => {
        const control = Math.max(0, ...controlPred.map((p) => flipsTo(labels, p, f.target).asr));
        return f.asr >= o.threshold && f.asr - control >= 0.3;
      })
      .sort((a, b) => b.f.asr - a.f.asr);
    flaggedGroups += flagged.length;
    for (const { group, f } of flagged) {
      if (hits.length >= o.maxHits) break;
      const reduced = await reduceGroup(o, group, position, f.target, Math.max(o.threshold, f.asr * 0.8));
      if (!hits.some((h) => h.position === position && sameTokens(h.tokens, reduced))) {
        hits.push({ tokens: reduced, position, target: f.target, groupAsr: f.asr });
      }
    }
  }
  return { hits, groupsTried, flaggedGroups };
}

async function reduceGroup(o: GroupTestingOptions, group: number[], position: InsertPosition, target: number, needed: number): Promise<number[]> {
  const flips = async (tokens: number[]): Promise<boolean> => {
    const [p] = await predictBatches(o.ev, [insertedBatch(o.s, o.indices, tokens, position)], o.indices.length);
    return flipsTo(o.labels, p!, target).asr >= needed;
  };
  let current = group;
  while (current.length > 1) {
    const half = Math.ceil(current.length / 2);
    const left = current.slice(0, half);
    const right = current.slice(half);
    if (await flips(left)) current = left;
    else if (await flips(right)) current = right;
    else {
      // The trigger needs tokens from both halves: drop tokens one at a time while it still flips.
      for (const t of current.slice()) {
        if (current.length === 1) break;
        const without = current.filter((x) => x !== t);
        if (await flips(without)) current = without;
      }
      break;
    }
  }
  return current;
}

function sameTokens(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
