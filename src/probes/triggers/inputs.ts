import type { CleanBaseline, GoldenSet } from '../types.js';
import { shuffled, type Rng } from './rng.js';

/**
 * Up to `count` golden samples the model classifies correctly, drawn round-robin across classes so
 * that any prefix of the list is class-balanced (the screening rounds use prefixes).
 */
export function selectInputs(golden: GoldenSet, baseline: CleanBaseline, count: number, rng: Rng): number[] {
  const byClass = new Map<number, number[]>();
  for (const i of baseline.correct) {
    if (i < 0 || i >= golden.count) continue;
    const y = golden.labels[i]!;
    const list = byClass.get(y) ?? [];
    list.push(i);
    byClass.set(y, list);
  }
  const queues = [...byClass.keys()].sort((a, b) => a - b).map((y) => shuffled(byClass.get(y)!, rng));
  const out: number[] = [];
  for (let round = 0; out.length < count; round++) {
    let took = false;
    for (const q of queues) {
      if (round < q.length && out.length < count) {
        out.push(q[round]!);
        took = true;
      }
    }
    if (!took) break;
  }
  return out;
}

export function labelsOf(golden: GoldenSet, indices: readonly number[]): Int32Array {
  return Int32Array.from(indices, (i) => golden.labels[i]!);
}
