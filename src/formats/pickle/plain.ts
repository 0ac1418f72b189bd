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
const TRUNCATED_PAIR: [PlainValue, PlainValue] = [TRUNCATED, TRUNCATED];

type PlainCall = { call: string; args?: PlainValue; state?: PlainValue; items?: PlainValue[]; dict?: Array<[PlainValue, PlainValue]> };

/**
 * One bounded conversion. Once the node budget is spent every remaining node is TRUNCATED, so the
 * rest of a container is filled without visiting it: the cost is O(maxNodes + output length).
 */
class Plainer {
  private budget: number;
  /** Containers on the current path (cycle detection); at most maxDepth long. */
  private readonly path: object[] = [];

  constructor(private readonly limits: PlainLimits) {
    this.budget = limits.maxNodes;
  }

  convert(v: Value, depth: number): PlainValue {
    if (this.budget-- <= 0) return TRUNCATED;
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return { bigint: v.toString() };
    if (typeof v === 'string') return v.length > this.limits.maxString ? `${v.slice(0, this.limits.maxString)}...` : v;
    if (v instanceof PFloat) return Number.isFinite(v.value) ? v.value : { unknown: `float ${v.value}` };
    if (v instanceof PBytes) return { bytes: v.data.length };
    if (v instanceof PGlobal) return v.plain as PlainValue;
    if (v instanceof PUnknown) return { unknown: v.reason };
    if (depth >= this.limits.maxDepth) return TRUNCATED;
    const path = this.path;
    if (path.includes(v)) return { unknown: 'cycle' };
    path.push(v);
    try {
      if (v instanceof PTuple || v instanceof PList || v instanceof PSet) return this.items(v.items, depth + 1);
      if (v instanceof PDict) return { dict: this.entries(v.kv, depth + 1) };
      if (v instanceof PPersistent) return { call: 'persistent_load', args: this.convert(v.pid, depth + 1) };
      const call: PlainCall = { call: describeCallable(v.callable) };
      call.args = this.convert(v.args, depth + 1);
      if (v.state !== undefined) call.state = this.convert(v.state, depth + 1);
      if (v.items !== undefined) call.items = this.items(v.items, depth + 1);
      if (v.kv !== undefined) call.dict = this.entries(v.kv, depth + 1);
      return call;
    } finally {
      path.pop();
    }
  }

  private items(items: readonly Value[], depth: number): PlainValue[] {
    const out = new Array<PlainValue>(items.length);
    let i = 0;
    for (; i < items.length && this.budget > 0; i++) out[i] = this.convert(items[i]!, depth);
    if (i < items.length) out.fill(TRUNCATED, i);
    return out;
  }

  /** Pairs of a flat k0, v0, k1, v1 list. */
  private entries(kv: readonly Value[], depth: number): Array<[PlainValue, PlainValue]> {
    const n = kv.length >> 1;
    const out = new Array<[PlainValue, PlainValue]>(n);
    let i = 0;
    for (; i < n && this.budget > 0; i++) {
      const key = this.convert(kv[2 * i]!, depth);
      out[i] = [key, this.convert(kv[2 * i + 1]!, depth)];
    }
    if (i < n) out.fill(TRUNCATED_PAIR, i);
    return out;
  }
}

/** Converts a symbolic value to JSON-safe plain data, bounded in size and depth (cycles become markers). */
export function toPlain(value: Value, limits: PlainLimits = DEFAULT_PLAIN_LIMITS): PlainValue {
  return new Plainer(limits).convert(value, 0);
}

/**
 * Number of nodes of `value` as a tree (every shared reference counted again), saturating at `cap`.
 * Memoized per object, so a memo bomb of 10^24 nodes costs a few hundred steps. Undefined when the
 * graph has more than `maxVisits` distinct objects (not measured).
 */
export function expandedSize(value: Value, cap: number, maxVisits = 200_000): number | undefined {
  try {
    return new Sizer(cap, maxVisits).size(value);
  } catch (error) {
    if (error instanceof RangeError) return undefined; // call stack exhausted on a pathologically deep graph
    throw error;
  }
}

const IN_PROGRESS = -1;

class Sizer {
  /** Tree size of each object measured so far; IN_PROGRESS while its children are (cycles count 1). */
  private readonly sizes = new Map<object, number>();
  private visits = 0;

  constructor(
    private readonly cap: number,
    private readonly maxVisits: number,
  ) {}

  /** One stack frame per graph level, like a plain recursive walk; children in the order callable, args, state, items, entries. */
  size(v: Value): number | undefined {
    if (v === null || typeof v !== 'object') return 1;
    const known = this.sizes.get(v);
    if (known !== undefined) return known === IN_PROGRESS ? 1 : known;
    if (++this.visits > this.maxVisits) return undefined;
    this.sizes.set(v, IN_PROGRESS);
    const cap = this.cap;
    let total = 1;
    for (const children of childLists(v)) {
      for (let i = 0; i < children.length; i++) {
        const s = this.size(children[i]!);
        if (s === undefined) return undefined;
        total = Math.min(cap, total + s);
      }
    }
    this.sizes.set(v, total);
    return total;
  }
}

const NO_CHILDREN: ReadonlyArray<readonly Value[]> = [];

/** The children of a value as a few lists, without copying a container's items. */
function childLists(v: object): ReadonlyArray<readonly Value[]> {
  if (v instanceof PTuple || v instanceof PList || v instanceof PSet) return [v.items];
  if (v instanceof PDict) return [v.kv];
  if (v instanceof PPersistent) return [[v.pid]];
  if (!(v instanceof PCall)) return NO_CHILDREN;
  const lists: Array<readonly Value[]> = [v.state !== undefined ? [v.callable, v.args, v.state] : [v.callable, v.args]];
  if (v.items !== undefined) lists.push(v.items);
  if (v.kv !== undefined) lists.push(v.kv);
  return lists;
}

/**
 * toPlain for a persistent id: the common shape, a short tuple of literals and globals
 * (('storage', torch.FloatStorage, '0', 'cpu', 4096)), is copied directly; anything else takes the
 * general walk. Same result either way.
 */
export function plainPersistentId(pid: Value, limits: PlainLimits): PlainValue {
  if (!(pid instanceof PTuple) || pid.items.length >= limits.maxNodes || limits.maxDepth < 1) return toPlain(pid, limits);
  const items = pid.items;
  const out = new Array<PlainValue>(items.length);
  for (let i = 0; i < items.length; i++) {
    const v = items[i]!;
    if (v === null || typeof v === 'boolean' || typeof v === 'number') out[i] = v;
    else if (typeof v === 'string' && v.length <= limits.maxString) out[i] = v;
    else if (v instanceof PGlobal) out[i] = v.plain as PlainValue;
    else return toPlain(pid, limits);
  }
  return out;
}
