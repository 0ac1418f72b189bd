import type { FlatGraph } from './flatten.js';
import type { AnalyseOptions, GraphAnalysis } from './types.js';

export type InputRole = GraphAnalysis['inputs'][number]['role'];

export interface InputRoles {
  list: GraphAnalysis['inputs'];
  /** Bits of inputs whose raw values a gate must not read: every input but config scalars and masks. */
  guarded: number;
  /** Bits of the classified input(s). */
  data: number;
  config: number;
  mask: number;
  nameOfBit: Map<number, string>;
}

const MASK_NAME = /^(attention_mask|input_mask|attn_mask)$/i;

/** Symbolic dims: the leading one is taken as a batch of 1, the others as 64 (a typical length). */
function estimateElements(dims: Array<number | string | null> | null): number {
  if (!dims) return Number.POSITIVE_INFINITY;
  return dims.reduce<number>((n, d, i) => n * (typeof d === 'number' ? Math.max(d, 0) : i === 0 ? 1 : 64), 1);
}

function isScalar(dims: Array<number | string | null> | null): boolean {
  return dims !== null && dims.every((d) => d === 1);
}

export function inputRoles(flat: FlatGraph, bitOf: Map<number, number>, o: AnalyseOptions): InputRoles {
  const declared = new Set(o.dataInputs ?? []);
  const infos = flat.inputs.map((id) => {
    const t = flat.tensors[id]!;
    return { id, name: t.name, elemType: t.info?.elemType ?? null, dims: t.info?.dims ?? null };
  });
  // Without a declaration, an input named like a tokenizer's attention mask is one; only gates that read
  // nothing but the mask are excused by this, so a hostile name cannot hide a gate on the data.
  const masks = new Set(o.maskInputs ?? infos.filter((i) => !declared.has(i.name) && MASK_NAME.test(i.name)).map((i) => i.name));
  // Recurrent state: an input shaped exactly like an output (state in, next state out) is not the classified data.
  const outputShapes = flat.outputs.map((id) => JSON.stringify(flat.tensors[id]?.info?.dims ?? null));
  const stateLike = (dims: Array<number | string | null> | null): boolean =>
    dims !== null && dims.length >= 2 && dims.some((d) => typeof d === 'number' && d > 1) && outputShapes.includes(JSON.stringify(dims));
  const nonScalar = infos.filter((i) => !masks.has(i.name) && !isScalar(i.dims));
  const candidates = nonScalar.some((i) => !stateLike(i.dims)) ? nonScalar.filter((i) => !stateLike(i.dims)) : nonScalar;
  const largest = Math.max(0, ...candidates.map((i) => estimateElements(i.dims)));
  const anyDeclared = infos.some((i) => declared.has(i.name));
  const roles: InputRoles = { list: [], guarded: 0, data: 0, config: 0, mask: 0, nameOfBit: new Map() };
  for (const i of infos) {
    const bit = bitOf.get(i.id) ?? 0;
    roles.nameOfBit.set(bit, i.name);
    let role: InputRole;
    if (anyDeclared) role = declared.has(i.name) ? 'data' : masks.has(i.name) || isScalar(i.dims) ? 'config' : 'auxiliary';
    else if (masks.has(i.name) || isScalar(i.dims)) role = 'config';
    else role = candidates.includes(i) && estimateElements(i.dims) === largest ? 'data' : 'auxiliary';
    if (masks.has(i.name)) roles.mask |= bit;
    else if (role === 'config') roles.config |= bit;
    else roles.guarded |= bit;
    if (role === 'data') roles.data |= bit;
    roles.list.push({ name: i.name, role, elemType: i.elemType, dims: i.dims });
  }
  roles.guarded >>>= 0;
  roles.data >>>= 0;
  return roles;
}

export function namesOfBits(roles: InputRoles, bits: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of roles.nameOfBit) if (bit !== 0 && (bits & bit) !== 0 && !out.includes(name)) out.push(name);
  return out;
}
