import { tensorValues } from './constants.js';
import type { FlatGraph, FlatNode } from './flatten.js';
import { LEARNED, SHAPE_ONLY } from './ops.js';

/**
 * Value taint from the main graph's inputs, one bit per input (inputs past 31 share bit 31):
 * `raw` — reaches the tensor by some path through no learned op; `any` — reaches it at all;
 * `learned` — reaches it through at least one learned op. `reaches` marks tensors whose values
 * can influence a graph output.
 */
export interface Taint {
  raw: Uint32Array;
  any: Uint32Array;
  learned: Uint32Array;
  reaches: Uint8Array;
  /** Flat node ids that count as learned ops. */
  learnedNodes: Set<number>;
  /** Bit of each main-graph input, by tensor id. */
  bitOf: Map<number, number>;
}

const MAX_FIXPOINT_ROUNDS = 50;
/** Weights past this size are assumed to be real learned weights without reading them. */
const MAX_ROUTING_CHECK = 1 << 20;

/** Weight-operand positions of the learned ops (all non-first positions when absent). */
const WEIGHT_INPUTS: Record<string, number[]> = {
  Conv: [1], ConvTranspose: [1], Gemm: [0, 1], MatMul: [0, 1], FusedConv: [1], FusedGemm: [0, 1], FusedMatMul: [0, 1],
  LSTM: [1, 2], GRU: [1, 2], RNN: [1, 2], QLinearConv: [3], QLinearMatMul: [0, 3], MatMulInteger: [0, 1], ConvInteger: [1],
};

/**
 * A weight that copies inputs through (at most one nonzero per output unit) is routing, not learning:
 * a MatMul by a selection matrix must not hide the raw path behind it.
 */
function isRoutingWeight(flat: FlatGraph, node: FlatNode, position: number): boolean {
  const t = flat.tensors[node.inputs[position] ?? -1];
  const dims = t?.source?.dims ?? t?.constant?.dims;
  if (!dims || dims.length < 2) return false;
  const at = weightReader(t!);
  if (!at) return false;
  let units: number;
  let fanIn: number;
  let unitMajor: boolean;
  const total = dims.reduce((a, d) => a * d, 1);
  if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
    units = dims[0] ?? 0;
    fanIn = total / Math.max(1, units);
    unitMajor = true;
  } else {
    if (dims.length > 2) return false;
    const transB = node.opType === 'Gemm' && node.attributes.some((a) => a.name === 'transB' && a.i === 1);
    const rows = dims[0] ?? 0;
    const cols = dims[1] ?? 0;
    units = transB ? rows : cols;
    fanIn = transB ? cols : rows;
    unitMajor = transB;
  }
  if (units <= 0 || fanIn <= 1 || total > MAX_ROUTING_CHECK) return false;
  // Dense learned weights fail on the first unit after two reads.
  for (let u = 0; u < units; u++) {
    let nonzero = 0;
    for (let k = 0; k < fanIn; k++) {
      const v = at(unitMajor ? u * fanIn + k : k * units + u);
      if (v === undefined) return false;
      if (v !== 0 && ++nonzero > 1) return false;
    }
  }
  return true;
}

/** Element access without materialising the tensor (raw float32), else the bounded value list. */
function weightReader(t: FlatGraph['tensors'][number]): ((i: number) => number | undefined) | null {
  const src = t.source;
  if (src?.raw && src.dataType === 1 && !src.external) {
    const dv = new DataView(src.raw.buffer, src.raw.byteOffset, src.raw.byteLength);
    return (i) => (i * 4 + 4 <= dv.byteLength ? dv.getFloat32(i * 4, true) : undefined);
  }
  const values = src ? tensorValues(src, MAX_ROUTING_CHECK) : t.constant?.values ?? null;
  return values ? (i) => values[i] : null;
}

function learnedOp(flat: FlatGraph, node: FlatNode, any: Uint32Array, routing: Map<string, boolean>): boolean {
  if (!LEARNED.has(node.opType) || node.pseudo) return false;
  const positions = WEIGHT_INPUTS[node.opType] ?? node.inputs.map((_, i) => i).slice(1);
  for (const p of positions) {
    const id = node.inputs[p] ?? -1;
    if (id < 0 || (any[id] ?? 0) !== 0) continue;
    const t = flat.tensors[id];
    const dims = t?.source?.dims ?? t?.constant?.dims;
    const count = dims ? dims.reduce((n, d) => n * d, 1) : 2;
    if (count < 2) continue;
    const key = `${node.id}:${p}`;
    let isRouting = routing.get(key);
    if (isRouting === undefined) routing.set(key, (isRouting = isRoutingWeight(flat, node, p)));
    if (isRouting) continue;
    return true;
  }
  return false;
}

/**
 * `sanitized` nodes (allowed comparisons such as a pad-token mask) keep their outputs' value taint
 * but drop the raw marking, so logic built on an allowed mask is not itself a gate.
 */
export function computeTaint(flat: FlatGraph, sanitized: ReadonlySet<number> = new Set()): Taint {
  const n = flat.tensors.length;
  const raw = new Uint32Array(n);
  const any = new Uint32Array(n);
  const learned = new Uint32Array(n);
  const bitOf = new Map<number, number>();
  flat.inputs.forEach((id, i) => {
    const bit = (1 << Math.min(i, 31)) >>> 0;
    bitOf.set(id, bit);
    raw[id] = bit;
    any[id] = bit;
  });
  const learnedNodes = new Set<number>();
  const routing = new Map<string, boolean>();
  for (let round = 0; round < MAX_FIXPOINT_ROUNDS; round++) {
    let changed = false;
    for (const node of flat.nodes) {
      if (SHAPE_ONLY.has(node.opType) && !node.pseudo) continue;
      const isLearned = learnedNodes.has(node.id) || learnedOp(flat, node, any, routing);
      if (isLearned) learnedNodes.add(node.id);
      const set = (out: number, r: number, a: number, l: number): void => {
        const nr = (raw[out]! | r) >>> 0;
        const na = (any[out]! | a) >>> 0;
        const nl = (learned[out]! | l) >>> 0;
        if (nr !== raw[out] || na !== any[out] || nl !== learned[out]) {
          raw[out] = nr;
          any[out] = na;
          learned[out] = nl;
          changed = true;
        }
      };
      if (node.pseudo === 'function-exit') {
        node.outputs.forEach((out, i) => {
          const src = node.inputs[i] ?? -1;
          if (src >= 0) set(out, raw[src]!, any[src]!, learned[src]!);
        });
        continue;
      }
      let r = 0;
      let a = 0;
      let l = 0;
      for (const i of node.inputs) {
        if (i < 0) continue;
        r |= raw[i]!;
        a |= any[i]!;
        l |= learned[i]!;
      }
      if (isLearned) {
        l |= a;
        r = 0;
      }
      if (sanitized.has(node.id)) r = 0;
      for (const out of node.outputs) set(out, r >>> 0, a >>> 0, l >>> 0);
    }
    if (!changed) break;
  }
  return { raw, any, learned, reaches: reachability(flat), learnedNodes, bitOf };
}

/** Tensors whose values can reach a graph output (shape-only ops cut the flow). */
function reachability(flat: FlatGraph): Uint8Array {
  const reaches = new Uint8Array(flat.tensors.length);
  const stack = flat.outputs.slice();
  for (const o of stack) reaches[o] = 1;
  while (stack.length > 0) {
    const t = stack.pop()!;
    const node = flat.nodes[flat.tensors[t]?.producer ?? -1];
    if (!node || (SHAPE_ONLY.has(node.opType) && !node.pseudo)) continue;
    const sources = node.pseudo === 'function-exit' ? [node.inputs[node.outputs.indexOf(t)] ?? -1] : node.inputs;
    for (const i of sources) {
      if (i >= 0 && !reaches[i]) {
        reaches[i] = 1;
        stack.push(i);
      }
    }
  }
  return reaches;
}
