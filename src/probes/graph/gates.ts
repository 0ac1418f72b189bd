import type { FlatGraph, FlatNode } from './flatten.js';
import { COMPARISON, GAIN_PASS, LOGIC, SATURATING, STEP } from './ops.js';
import type { InputRoles } from './roles.js';
import type { Taint } from './taint.js';

/** A node whose decision reads raw guarded-input values, before override analysis. */
export interface GateCandidate {
  node: FlatNode;
  /** Inputs of the node that carry the decision. */
  control: number[];
  /** Guarded input bits on the control operands' raw paths. */
  bits: number;
  kind: 'comparison' | 'logic' | 'selection' | 'saturation';
  constants: number[];
  hasConstantOperand: boolean;
  direction?: 'up' | 'down' | 'equal';
  /** The continuous tensor the decision thresholds (comparison operand, saturation input). */
  probe: number[];
  gain?: number;
  /** Saturation with a constant offset but a small gain in front: a gate only if a large gain follows (checked later). */
  lowGain?: boolean;
}

export interface SwitchCandidate {
  node: FlatNode;
  bits: number;
}

const MAX_CONSTANTS = 16;
/** Gain from raw input to a saturating op that makes it a step (pixel range [0,1] → a 1% band saturates). */
const MIN_STEP_GAIN = 100;
const MIN_ROUNDING_GAIN = 1000;
const MAX_GAIN_WALK = 12;

function controlInputs(node: FlatNode): number[] {
  if (COMPARISON.has(node.opType) || LOGIC.has(node.opType)) return node.inputs.filter((i) => i >= 0);
  if (node.opType === 'Where' || node.opType === 'If') return node.inputs.slice(0, 1).filter((i) => i >= 0);
  if (node.opType === 'Loop') {
    const own = node.ownInputs ?? node.inputs.length;
    return [node.inputs[0] ?? -1, node.inputs[1] ?? -1, node.inputs[own] ?? -1].filter((i) => i >= 0);
  }
  return [];
}

function constantsOf(flat: FlatGraph, ids: number[]): number[] {
  const out: number[] = [];
  for (const id of ids) for (const v of flat.tensors[id]?.constant?.values ?? []) if (out.length < MAX_CONSTANTS) out.push(v);
  return out;
}

/** Which way the tainted operand must move to make the comparison true. */
function comparisonDirection(op: string, taintedFirst: boolean): 'up' | 'down' | 'equal' {
  if (op === 'Equal') return 'equal';
  const greater = op === 'Greater' || op === 'GreaterOrEqual';
  return greater === taintedFirst ? 'up' : 'down';
}

/**
 * The gain from the raw input into a saturating op: walks back through scalings and offsets by
 * constants, multiplying |k| of Mul and 1/|d| of Div; stops at learned ops and inputs.
 */
function gainInto(flat: FlatGraph, taint: Taint, start: number, guarded: number): { gain: number; sign: number; offsets: number[] } {
  let gain = 1;
  let sign = 1;
  const offsets: number[] = [];
  let t = start;
  for (let step = 0; step < MAX_GAIN_WALK; step++) {
    const node = flat.nodes[flat.tensors[t]?.producer ?? -1];
    if (!node || taint.learnedNodes.has(node.id)) break;
    if (!GAIN_PASS.has(node.opType) && node.opType !== 'Relu' && !node.pseudo) break;
    const tainted = node.inputs.filter((i) => i >= 0 && (taint.raw[i]! & guarded) !== 0);
    const constant = node.inputs.filter((i) => i >= 0 && taint.any[i] === 0);
    const values = constantsOf(flat, constant);
    if (tainted.length !== 1) break;
    const finite = values.filter((v) => Number.isFinite(v));
    if (node.opType === 'Mul' && finite.length > 0) {
      const k = finite.reduce((m, v) => (Math.abs(v) < Math.abs(m) ? v : m), finite[0]!);
      gain *= Math.abs(k);
      sign *= Math.sign(k) || 1;
    } else if (node.opType === 'Div' && finite.length > 0 && node.inputs[1] !== tainted[0]) {
      const d = finite.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), finite[0]!);
      gain *= d === 0 ? 1e12 : 1 / Math.abs(d);
      sign *= Math.sign(d) || 1;
    } else if ((node.opType === 'Sub' || node.opType === 'Add') && finite.length > 0) {
      offsets.push(...finite.slice(0, 4));
      if (node.opType === 'Sub' && node.inputs[1] === tainted[0]) sign = -sign;
    } else if (node.opType === 'Neg') sign = -sign;
    t = tainted[0]!;
  }
  return { gain, sign, offsets };
}

export function findGates(flat: FlatGraph, taint: Taint, roles: InputRoles, specialTokenIds: readonly number[] | undefined): {
  gates: GateCandidate[];
  switches: SwitchCandidate[];
  allowed: string[];
  allowedNodes: Set<number>;
} {
  const gates: GateCandidate[] = [];
  const switches: SwitchCandidate[] = [];
  const allowed: string[] = [];
  const allowedNodes = new Set<number>();
  const special = new Set(specialTokenIds ?? []);
  for (const node of flat.nodes) {
    if (node.pseudo) continue;
    if (!node.outputs.some((o) => taint.reaches[o])) continue;
    const control = controlInputs(node);
    let kind: GateCandidate['kind'] | null = null;
    if (control.length > 0) kind = COMPARISON.has(node.opType) ? 'comparison' : LOGIC.has(node.opType) ? 'logic' : 'selection';
    if (!kind && (SATURATING.has(node.opType) || STEP.has(node.opType))) {
      const input = node.inputs[0] ?? -1;
      if (input >= 0 && (taint.raw[input]! & roles.guarded) !== 0) {
        const { gain, sign, offsets } = gainInto(flat, taint, input, roles.guarded);
        const hardSigmoidAlpha = node.opType === 'HardSigmoid' ? Math.abs(node.attributes.find((a) => a.name === 'alpha')?.f ?? 0.2) : 1;
        const effective = gain * hardSigmoidAlpha;
        const rounding = node.opType === 'Round' || node.opType === 'Floor' || node.opType === 'Ceil';
        const steep = STEP.has(node.opType) || effective >= (rounding ? MIN_ROUNDING_GAIN : MIN_STEP_GAIN);
        if (steep || (!rounding && offsets.length > 0)) {
          gates.push({
            node, control: [input], bits: taint.raw[input]! & roles.guarded, kind: 'saturation', constants: offsets.slice(0, MAX_CONSTANTS),
            hasConstantOperand: offsets.length > 0, direction: sign >= 0 ? 'up' : 'down', probe: [input], gain: effective, lowGain: !steep,
          });
        }
      }
      continue;
    }
    if (!kind) continue;
    let raw = 0;
    for (const c of control) raw |= taint.raw[c]!;
    raw >>>= 0;
    if (raw === 0) continue;
    const bits = (raw & roles.guarded) >>> 0;
    if (bits === 0) {
      if ((raw & roles.config) !== 0) switches.push({ node, bits: raw });
      continue;
    }
    const tainted = control.filter((c) => (taint.raw[c]! & roles.guarded) !== 0);
    if (kind === 'selection' && tainted.every((c) => isNanTest(flat, c))) {
      allowed.push(`${node.name}: ${node.opType} on IsNaN/IsInf of the input (value sanitisation)`);
      continue;
    }
    const constant = control.filter((c) => taint.any[c] === 0);
    const constants = constantsOf(flat, constant);
    const gate: GateCandidate = { node, control, bits, kind, constants, hasConstantOperand: constant.length > 0, probe: [] };
    if (kind === 'comparison') {
      gate.probe = tainted.slice(0, 1);
      gate.direction = comparisonDirection(node.opType, control[0] === tainted[0]);
      const integer = tainted.every((t) => isIntegerTyped(flat, t));
      if (node.opType === 'Equal' && integer && constants.length > 0 && constants.every((v) => special.has(v))) {
        allowed.push(`${node.name}: Equal with declared special token id(s) ${constants.join(', ')}`);
        allowedNodes.add(node.id);
        continue;
      }
    }
    gates.push(gate);
  }
  return { gates, switches, allowed, allowedNodes };
}

/** A condition that only tests for NaN/Inf (possibly negated or combined): sanitisation, not a trigger. */
function isNanTest(flat: FlatGraph, id: number, depth = 0): boolean {
  const node = flat.nodes[flat.tensors[id]?.producer ?? -1];
  if (!node || depth > 8) return false;
  if (node.opType === 'IsNaN' || node.opType === 'IsInf') return true;
  if (['Not', 'Or', 'And', 'Unsqueeze', 'Reshape', 'Expand', 'Identity'].includes(node.opType)) {
    const value = node.opType === 'Unsqueeze' || node.opType === 'Reshape' || node.opType === 'Expand' ? node.inputs.slice(0, 1) : node.inputs;
    return value.length > 0 && value.every((i) => i >= 0 && isNanTest(flat, i, depth + 1));
  }
  return false;
}

const INTEGER_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13]);

/** Whether a tensor holds integers (token ids): from value_info, or from an integer graph input upstream through re-indexing only. */
function isIntegerTyped(flat: FlatGraph, id: number): boolean {
  let t = flat.tensors[id];
  for (let step = 0; t && step < 16; step++) {
    const type = t.info?.elemType;
    if (type !== undefined && type !== null) return INTEGER_TYPES.has(type);
    const node = flat.nodes[t.producer];
    if (!node || !['Identity', 'Reshape', 'Slice', 'Gather', 'Squeeze', 'Unsqueeze', 'Flatten', 'Transpose', 'Expand'].includes(node.opType)) return false;
    t = flat.tensors[node.inputs[0] ?? -1];
  }
  return false;
}
