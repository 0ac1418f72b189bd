import type { FlatGraph, FlatNode } from './flatten.js';
import type { GateCandidate } from './gates.js';
import { MERGE } from './ops.js';
import type { Taint } from './taint.js';

export interface OverrideFinding {
  /** Where the gate's signal meets trunk values, if it does. */
  merge?: FlatNode;
  /** Tensors derived from the gate's output up to (and including) the merge. */
  derived: Set<number>;
  overrideConstants: number[];
  /** max/median |w| of the sparsest constant on the way (or |w| of an extreme scalar). */
  overrideScore: number;
}

const MAX_VISITED = 4000;
const MAX_SHOWN = 16;

/** Sparse-and-extreme score of a constant: max|w| over median|w| (a one-hot 1000 scores 1e6). */
export function sparsityScore(values: readonly number[]): number {
  const abs = values.filter(Number.isFinite).map(Math.abs);
  if (abs.length === 0) return 0;
  const max = Math.max(...abs);
  if (abs.length === 1) return max >= 100 ? max : 0;
  abs.sort((a, b) => a - b);
  const median = abs[Math.floor(abs.length / 2)]!;
  if (max === 0) return 0;
  return Math.min(1e6, max / Math.max(median, max * 1e-6));
}

function shown(values: readonly number[]): number[] {
  if (values.length <= MAX_SHOWN) return values.slice();
  // Long vectors: the entries that stand out matter, not the first ones.
  const abs = values.map(Math.abs).sort((a, b) => b - a);
  const cut = abs[Math.min(MAX_SHOWN, abs.length) - 1] ?? 0;
  return values.filter((v) => Math.abs(v) >= cut && Math.abs(v) > 0).slice(0, MAX_SHOWN);
}

/**
 * Follows the gate's output forward until it meets a value from the guarded inputs that it does
 * not itself derive from (the trunk): that node is where the gate can override the model's answer.
 */
export function traceOverride(flat: FlatGraph, taint: Taint, guarded: number, gate: GateCandidate): OverrideFinding {
  const derived = new Set<number>();
  const finding: OverrideFinding = { derived, overrideConstants: [], overrideScore: 0 };
  const consider = (node: FlatNode): void => {
    // An If/Loop picks between its bodies: their constants are the override's constants.
    if (node.ownInputs !== undefined) {
      const inside = `${node.name}/`;
      for (const inner of flat.nodes) if (inner.host === node.host && inner.scope.startsWith(inside)) considerInputs(inner);
    }
    considerInputs(node);
  };
  const considerInputs = (node: FlatNode): void => {
    for (const i of node.inputs) {
      if (i < 0 || taint.any[i] !== 0) continue;
      const values = flat.tensors[i]?.constant?.values;
      if (!values || values.length === 0) continue;
      const score = sparsityScore(values);
      if (score > finding.overrideScore) {
        finding.overrideScore = score;
        finding.overrideConstants = shown(values);
      }
    }
  };
  const trunkOperand = (node: FlatNode, except: ReadonlySet<number>): boolean =>
    node.inputs.some((i, pos) => i >= 0 && !except.has(i) && (taint.any[i]! & guarded) !== 0 && !gate.control.includes(i) && (node.opType !== 'Loop' || pos > 1));
  // A selection gate merges at itself when it picks between trunk values.
  if ((gate.node.opType === 'Where' || gate.node.opType === 'If' || gate.node.opType === 'Loop') && trunkOperand(gate.node, new Set())) {
    finding.merge = gate.node;
    consider(gate.node);
  }
  const queue = gate.node.outputs.slice();
  for (const o of queue) derived.add(o);
  const seen = new Set<number>([gate.node.id]);
  while (queue.length > 0 && seen.size < MAX_VISITED) {
    const t = queue.shift()!;
    for (const c of flat.tensors[t]?.consumers ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      const node = flat.nodes[c]!;
      if (!node.outputs.some((o) => taint.reaches[o])) continue;
      consider(node);
      if (!finding.merge && MERGE.has(node.opType) && trunkOperand(node, derived)) finding.merge = node;
      if (finding.merge === node) continue;
      for (const o of node.outputs) {
        if (!derived.has(o)) {
          derived.add(o);
          queue.push(o);
        }
      }
    }
    if (finding.merge) break;
  }
  return finding;
}
