import type { FlatGraph, FlatNode } from './flatten.js';
import type { ModelIR } from './model-ir.js';
import type { Taint } from './taint.js';

const MAX_PATH = 64;

/** Node names from an input carrying `bits` (raw) to `target`, shortest by hops. */
export function pathFromInput(flat: FlatGraph, taint: Taint, target: number, bits: number): string[] {
  const prev = new Map<number, number>();
  const queue = [target];
  prev.set(target, -1);
  let found = -1;
  while (queue.length > 0 && prev.size < 100_000) {
    const t = queue.shift()!;
    const node = flat.nodes[flat.tensors[t]?.producer ?? -1];
    if (!node) {
      if (flat.tensors[t]?.kind === 'input') {
        found = t;
        break;
      }
      continue;
    }
    for (const i of node.inputs) {
      if (i < 0 || prev.has(i) || (taint.raw[i]! & bits) === 0) continue;
      prev.set(i, t);
      queue.push(i);
    }
  }
  const names: string[] = [];
  for (let t = found; t >= 0 && names.length < MAX_PATH; t = prev.get(t) ?? -1) {
    const node = flat.nodes[flat.tensors[t]?.producer ?? -1];
    if (node && !node.pseudo) names.push(node.name);
  }
  return names;
}

/** Node names from `node` to a graph output, shortest by hops. */
export function pathToOutput(flat: FlatGraph, taint: Taint, node: FlatNode): string[] {
  const outputs = new Set(flat.outputs);
  const prev = new Map<number, number>();
  const queue: number[] = [];
  for (const o of node.outputs) {
    prev.set(o, -1);
    queue.push(o);
  }
  let found = -1;
  while (queue.length > 0 && prev.size < 100_000) {
    const t = queue.shift()!;
    if (outputs.has(t)) {
      found = t;
      break;
    }
    for (const c of flat.tensors[t]?.consumers ?? []) {
      for (const o of flat.nodes[c]!.outputs) {
        if (prev.has(o) || !taint.reaches[o]) continue;
        prev.set(o, t);
        queue.push(o);
      }
    }
  }
  const names: string[] = [];
  for (let t = found; t >= 0 && !node.outputs.includes(t) && names.length < MAX_PATH; t = prev.get(t) ?? -1) {
    const producer = flat.nodes[flat.tensors[t]?.producer ?? -1];
    if (producer && !producer.pseudo) names.push(producer.name);
  }
  return names.reverse();
}

/** Main-graph tensors that show a node's effect: its own outputs, or its host's outputs (for nodes inside subgraphs/functions). */
export function exposureAnchors(flat: FlatGraph, model: ModelIR, node: FlatNode): string[] {
  if (node.scope === '') return node.outputs.map((o) => flat.tensors[o]!.name);
  const host = model.graph.nodes[node.host];
  if (!host) return [];
  const names = host.outputs.filter((o) => o !== '');
  return names.filter((n) => flat.topLevel.has(n) && flat.tensors[flat.topLevel.get(n)!]!.kind === 'value');
}

/** The nearest main-graph, non-input tensor upstream of `id` along tainted values (itself if it qualifies). */
export function topLevelProbe(flat: FlatGraph, taint: Taint, id: number, bits: number): string | null {
  let t = flat.tensors[id];
  for (let step = 0; t && step < MAX_PATH; step++) {
    if (t.topLevel) return t.kind === 'value' ? t.name : null;
    const node = flat.nodes[t.producer];
    if (!node) return null;
    const next = node.inputs.find((i) => i >= 0 && (taint.raw[i]! & bits) !== 0);
    t = next === undefined ? undefined : flat.tensors[next];
  }
  return null;
}
