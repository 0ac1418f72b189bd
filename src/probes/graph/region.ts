import type { FlatGraph } from './flatten.js';
import type { Taint } from './taint.js';

/** The part of a data input a gate reads, in the input tensor's own coordinates (batch axis included). */
export interface StaticRegion {
  input: string;
  /** Slice form: per-axis [start, end) for the listed axes (others whole). */
  axes?: number[];
  starts?: number[];
  ends?: number[];
  /** Gather-on-flattened form: per-sample flat element indices. */
  elements?: number[];
}

const WALK = new Set([
  'Identity', 'Cast', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'Abs', 'Neg',
  'Sub', 'Add', 'Mul', 'Div', 'Squeeze', 'Unsqueeze', 'Reshape', 'Flatten', 'Transpose', 'GlobalAveragePool', 'GlobalMaxPool',
  'Relu', 'Sigmoid', 'Clip', 'Tanh', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor',
]);
const MAX_STEPS = 32;

function ints(flat: FlatGraph, id: number | undefined): number[] | null {
  if (id === undefined || id < 0) return null;
  const v = flat.tensors[id]?.constant?.values;
  return v ? v.map((x) => Math.trunc(x)) : null;
}

function sliceRegion(flat: FlatGraph, node: FlatGraph['nodes'][number], input: string): StaticRegion | null {
  let starts = ints(flat, node.inputs[1]);
  let ends = ints(flat, node.inputs[2]);
  let axes = node.inputs[3] !== undefined && node.inputs[3] >= 0 ? ints(flat, node.inputs[3]) : null;
  const steps = node.inputs[4] !== undefined && node.inputs[4] >= 0 ? ints(flat, node.inputs[4]) : null;
  if (node.inputs.length === 1) {
    // Slice-1: starts/ends/axes are attributes.
    const attr = (n: string) => node.attributes.find((a) => a.name === n)?.ints ?? null;
    starts = attr('starts');
    ends = attr('ends');
    axes = attr('axes');
  }
  if (!starts || !ends || starts.length !== ends.length) return null;
  if (steps && steps.some((s) => s !== 1)) return null;
  return { input, axes: axes ?? starts.map((_, i) => i), starts, ends };
}

/** Walks back from a gate's operand to the Slice/Gather that reads the data input directly, if the chain is that simple. */
export function staticRegion(flat: FlatGraph, taint: Taint, start: number, bits: number): StaticRegion | null {
  let t = start;
  for (let step = 0; step < MAX_STEPS; step++) {
    const node = flat.nodes[flat.tensors[t]?.producer ?? -1];
    if (!node) return null;
    const data = flat.tensors[node.inputs[0] ?? -1];
    if (node.opType === 'Slice' && data?.kind === 'input') return sliceRegion(flat, node, data.name);
    if (node.opType === 'Gather') {
      const axis = node.attributes.find((a) => a.name === 'axis')?.i ?? 0;
      const indices = ints(flat, node.inputs[1]);
      if (data?.kind === 'input' && indices) return { input: data.name, axes: [axis], starts: [Math.min(...indices)], ends: [Math.max(...indices) + 1] };
      const flatNode = flat.nodes[data?.producer ?? -1];
      const source = flat.tensors[flatNode?.inputs[0] ?? -1];
      if (indices && axis === 1 && (flatNode?.opType === 'Flatten' || flatNode?.opType === 'Reshape') && source?.kind === 'input') {
        return { input: source.name, elements: indices.slice(0, 4096) };
      }
      return null;
    }
    if (!WALK.has(node.opType)) return null;
    const next = node.inputs.find((i) => i >= 0 && (taint.raw[i]! & bits) !== 0);
    if (next === undefined) return null;
    t = next;
  }
  return null;
}
