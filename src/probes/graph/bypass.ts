import type { FlatGraph } from './flatten.js';
import type { ModelIR } from './model-ir.js';
import { MERGE, REGION } from './ops.js';
import { exposureAnchors, pathFromInput, pathToOutput } from './paths.js';
import { staticRegion } from './region.js';
import { namesOfBits, type InputRoles } from './roles.js';
import type { Taint } from './taint.js';
import type { FlaggedBypass } from './types.js';

/** A branch is light when its own learned parameters are under this share of the trunk it joins. */
const LIGHT_SHARE = 0.05;
/** The branch it joins must hold at least this share of all learned parameters (it is the trunk). */
const TRUNK_SHARE = 0.5;
/** Bitset words across all tensors beyond which the analysis is skipped (and said so). */
const MAX_WORDS = 32_000_000;
const MAX_BYPASSES = 16;

function weightCount(flat: FlatGraph, taint: Taint, nodeId: number): number {
  const node = flat.nodes[nodeId]!;
  let n = 0;
  for (const i of node.inputs) {
    if (i < 0 || taint.any[i] !== 0) continue;
    const t = flat.tensors[i];
    const dims = t?.source?.dims ?? t?.constant?.dims ?? [];
    n += dims.reduce((a, d) => a * Math.max(d, 0), 1);
  }
  return n;
}

/**
 * S4, dominator-style: for each merge of two guarded-input branches, does one branch reach the
 * output beside the trunk's learned ops — a region of the input (Slice/Gather) or raw input values
 * with at most a tiny learned head of its own — while the other carries most learned parameters?
 */
export function findBypasses(flat: FlatGraph, taint: Taint, roles: InputRoles, model: ModelIR): { bypasses: FlaggedBypass[]; notes: string[] } {
  const members: number[] = [];
  const isRegion: boolean[] = [];
  const params: number[] = [];
  for (const node of flat.nodes) {
    const tainted = node.inputs.some((i) => i >= 0 && (taint.any[i]! & roles.guarded) !== 0);
    if (!tainted) continue;
    const learned = taint.learnedNodes.has(node.id);
    const region = REGION.has(node.opType) && (taint.raw[node.inputs[0] ?? -1]! & roles.data) !== 0;
    if (!learned && !region) continue;
    members.push(node.id);
    isRegion.push(region && !learned);
    params.push(learned ? weightCount(flat, taint, node.id) : 0);
  }
  const total = params.reduce((a, b) => a + b, 0);
  if (total === 0) return { bypasses: [], notes: [] };
  const words = Math.ceil(members.length / 32);
  if (words * flat.tensors.length > MAX_WORDS) {
    return { bypasses: [], notes: [`S4 bypass analysis skipped: ${members.length} learned/region ops over ${flat.tensors.length} tensors is over the limit`] };
  }
  const index = new Map(members.map((id, i) => [id, i]));
  const cones: Array<Uint32Array | undefined> = new Array(flat.tensors.length);
  for (const node of flat.nodes) {
    let cone: Uint32Array | undefined;
    for (const i of node.inputs) {
      const c = i >= 0 ? cones[i] : undefined;
      if (!c) continue;
      cone ??= new Uint32Array(words);
      for (let w = 0; w < words; w++) cone[w]! |= c[w]!;
    }
    const own = index.get(node.id);
    if (own !== undefined) {
      cone ??= new Uint32Array(words);
      cone[own >> 5]! |= 1 << (own & 31);
    }
    if (cone) for (const o of node.outputs) cones[o] = cone;
  }
  const sum = (cone: Uint32Array, minus?: Uint32Array): { params: number; region: number } => {
    let p = 0;
    let region = -1;
    for (let w = 0; w < words; w++) {
      let bits = cone[w]! & ~(minus?.[w] ?? 0);
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const k = w * 32 + b;
        p += params[k]!;
        if (isRegion[k] && region < 0) region = k;
      }
    }
    return { params: p, region };
  };
  const bypasses: FlaggedBypass[] = [];
  for (const node of flat.nodes) {
    if (bypasses.length >= MAX_BYPASSES) break;
    if (!MERGE.has(node.opType) || !node.outputs.some((o) => taint.reaches[o])) continue;
    const branches = node.inputs.filter((i) => i >= 0 && (taint.any[i]! & roles.data) !== 0);
    if (branches.length < 2) continue;
    for (const a of branches) {
      const found = branches.some((b) => {
        if (a === b) return false;
        const ca = cones[a] ?? new Uint32Array(words);
        const cb = cones[b];
        if (!cb) return false;
        const trunk = sum(cb).params;
        if (trunk < TRUNK_SHARE * total) return false;
        const own = sum(ca, cb);
        if (own.params >= LIGHT_SHARE * trunk) return false;
        const raw = (taint.raw[a]! & roles.data) !== 0 && (taint.raw[b]! & roles.data) === 0;
        if (own.region < 0 && !raw) return false;
        const bits = (taint.any[a]! & roles.data) >>> 0;
        const entryNode = own.region >= 0 ? flat.nodes[members[own.region]!] : undefined;
        const path = [...pathFromInput(flat, taint, a, taint.raw[a]! & bits), node.name, ...pathToOutput(flat, taint, node)];
        const input = namesOfBits(roles, bits)[0] ?? '';
        const region = entryNode ? staticRegion(flat, taint, entryNode.outputs[0] ?? -1, bits) : null;
        bypasses.push({
          ...(region ? { region } : {}),
          id: `B${bypasses.length + 1}`,
          input,
          entry: entryNode?.name ?? path[0] ?? node.name,
          mergeNode: node.name,
          path,
          branchParameters: own.params,
          trunkParameters: trunk,
          expose: flat.tensors[a]!.topLevel ? [flat.tensors[a]!.name] : exposureAnchors(flat, model, node),
          score: Math.min(1, 0.5 + (own.region >= 0 ? 0.2 : 0) + (own.params < 0.01 * trunk ? 0.2 : 0)),
        });
        return true;
      });
      if (found) break;
    }
  }
  return { bypasses, notes: [] };
}
