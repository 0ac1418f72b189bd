import type { PlainValue } from './facts.js';
import { PBytes, PCall, PDict, PFloat, PGlobal, PList, PPersistent, PSet, PTuple, PUnknown, describeCallable, type Value } from './values.js';

export interface PlainLimits {
  /** Nodes emitted per conversion; shared references are expanded, so this bounds the output. */
  maxNodes: number;
  maxDepth: number;
  maxString: number;
}

export const DEFAULT_PLAIN_LIMITS: PlainLimits = { maxNodes: 50_000, maxDepth: 48, maxString: 65_536 };

const TRUNCATED: PlainValue = { unknown: 'truncated' };

/** Converts a symbolic value to JSON-safe plain data, bounded in size and depth (cycles become markers). */
export function toPlain(value: Value, limits: PlainLimits = DEFAULT_PLAIN_LIMITS): PlainValue {
  let budget = limits.maxNodes;
  const path = new Set<object>();

  const convert = (v: Value, depth: number): PlainValue => {
    if (budget-- <= 0) return TRUNCATED;
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return { bigint: v.toString() };
    if (typeof v === 'string') return v.length > limits.maxString ? `${v.slice(0, limits.maxString)}...` : v;
    if (v instanceof PFloat) return Number.isFinite(v.value) ? v.value : { unknown: `float ${v.value}` };
    if (v instanceof PBytes) return { bytes: v.data.length };
    if (v instanceof PGlobal) return { global: v.full };
    if (v instanceof PUnknown) return { unknown: v.reason };
    if (depth >= limits.maxDepth) return TRUNCATED;
    if (path.has(v)) return { unknown: 'cycle' };
    path.add(v);
    try {
      if (v instanceof PTuple || v instanceof PList || v instanceof PSet) return v.items.map((item) => convert(item, depth + 1));
      if (v instanceof PDict) return { dict: v.entries.map(([k, x]) => [convert(k, depth + 1), convert(x, depth + 1)] as [PlainValue, PlainValue]) };
      if (v instanceof PPersistent) return { call: 'persistent_load', args: convert(v.pid, depth + 1) };
      const call: { call: string; args?: PlainValue; state?: PlainValue; items?: PlainValue[]; dict?: Array<[PlainValue, PlainValue]> } = { call: describeCallable(v.callable) };
      call.args = convert(v.args, depth + 1);
      if (v.state !== undefined) call.state = convert(v.state, depth + 1);
      if (v.items !== undefined) call.items = v.items.map((item) => convert(item, depth + 1));
      if (v.entries !== undefined) call.dict = v.entries.map(([k, x]) => [convert(k, depth + 1), convert(x, depth + 1)] as [PlainValue, PlainValue]);
      return call;
    } finally {
      path.delete(v);
    }
  };
  return convert(value, 0);
}

function children(v: Value): Value[] {
  if (v instanceof PTuple || v instanceof PList || v instanceof PSet) return v.items;
  if (v instanceof PDict) return v.entries.flat();
  if (v instanceof PCall) {
    const out = [v.callable, v.args];
    if (v.state !== undefined) out.push(v.state);
    if (v.items) out.push(...v.items);
    if (v.entries) for (const [k, x] of v.entries) out.push(k, x);
    return out;
  }
  if (v instanceof PPersistent) return [v.pid];
  return [];
}

/**
 * Number of nodes of `value` as a tree (every shared reference counted again), saturating at `cap`.
 * Memoized per object, so a memo bomb of 10^24 nodes costs a few hundred steps. Undefined when the
 * graph has more than `maxVisits` distinct objects (not measured).
 */
export function expandedSize(value: Value, cap: number, maxVisits = 200_000): number | undefined {
  const sizes = new Map<object, number>();
  const inProgress = new Set<object>();
  let visits = 0;
  const size = (v: Value): number | undefined => {
    if (v === null || typeof v !== 'object') return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (inProgress.has(v)) return 1;
    if (++visits > maxVisits) return undefined;
    inProgress.add(v);
    let total = 1;
    for (const child of children(v)) {
      const s = size(child);
      if (s === undefined) return undefined;
      total = Math.min(cap, total + s);
    }
    inProgress.delete(v);
    sizes.set(v, total);
    return total;
  };
  try {
    return size(value);
  } catch (error) {
    if (error instanceof RangeError) return undefined; // call stack exhausted on a pathologically deep graph
    throw error;
  }
}
