/**
 * Symbolic values of the pickle machine. Primitives stand for themselves (int as number or bigint,
 * str as string, bool, None as null); everything else is a small class. Containers hold references,
 * never copies, so DUP/GET of a huge structure costs O(1).
 */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | PFloat
  | PBytes
  | PTuple
  | PList
  | PDict
  | PSet
  | PGlobal
  | PCall
  | PPersistent
  | PUnknown;

export class PFloat {
  constructor(readonly value: number) {}
}

export class PBytes {
  constructor(
    readonly data: Uint8Array,
    /** Offset of the bytes in the analysed stream, when they are a literal of it. */
    readonly offset: number,
    readonly mutable = false,
  ) {}
}

export class PTuple {
  constructor(readonly items: Value[]) {}
}

/** Tuples are immutable, so every EMPTY_TUPLE can share one value (as CPython shares ()). */
export const EMPTY_TUPLE = new PTuple([]);

export class PList {
  constructor(readonly items: Value[]) {}
}

export class PDict {
  /** Keys and values, flat and in insertion order: k0, v0, k1, v1, ... */
  readonly kv: Value[] = [];
}

export class PSet {
  constructor(
    readonly items: Value[],
    readonly frozen: boolean,
  ) {}
}

export type Verdict = 'allowed' | 'denied' | 'unknown';

/** A class, function or module reference produced by GLOBAL, STACK_GLOBAL, INST or EXT. */
export class PGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly verdict: Verdict,
    /** "module.name" as a Python 3 loader resolves it (Python 2 aliases rewritten). */
    readonly canonical: string,
    /** False for references the stream computed (non-literal STACK_GLOBAL, unresolved EXT). */
    readonly resolved = true,
  ) {}
  private fullName: string | undefined;
  private plainForm: { readonly global: string } | undefined;
  get full(): string {
    this.fullName ??= `${this.module}.${this.name}`;
    return this.fullName;
  }
  /** `{ global: full }`, one frozen object per global however often it is converted. */
  get plain(): { readonly global: string } {
    this.plainForm ??= Object.freeze({ global: this.full });
    return this.plainForm;
  }
}

export type CallOpcode = 'REDUCE' | 'NEWOBJ' | 'NEWOBJ_EX' | 'INST' | 'OBJ';

/** The parts of a PCall most calls never get, kept out of line so the millions of plain calls stay small. */
interface CallExtra {
  state: Value | undefined;
  items: Value[] | undefined;
  kv: Value[] | undefined;
  note: string | undefined;
  kwargs: Value | undefined;
}

function newExtra(): CallExtra {
  return { state: undefined, items: undefined, kv: undefined, note: undefined, kwargs: undefined };
}

/** The result of calling something at load time. BUILD state and appended items are attached. */
export class PCall {
  /** Out-of-line storage of state, items, kv, note and kwargs; undefined until one is set. */
  extra: CallExtra | undefined = undefined;
  constructor(
    readonly callable: Value,
    readonly args: Value,
    readonly opcode: CallOpcode,
    readonly offset: number,
    kwargs: Value | undefined = undefined,
  ) {
    if (kwargs !== undefined) (this.extra = newExtra()).kwargs = kwargs;
  }
  get kwargs(): Value | undefined {
    return this.extra?.kwargs;
  }
  get state(): Value | undefined {
    return this.extra?.state;
  }
  set state(value: Value | undefined) {
    (this.extra ??= newExtra()).state = value;
  }
  /** Items added by APPEND(S)/ADDITEMS on the result (list- or set-like objects). */
  get items(): Value[] | undefined {
    return this.extra?.items;
  }
  set items(value: Value[] | undefined) {
    (this.extra ??= newExtra()).items = value;
  }
  /** Keys and values added by SETITEM(S) on the result (dict-like objects), flat: k0, v0, k1, v1, ... */
  get kv(): Value[] | undefined {
    return this.extra?.kv;
  }
  set kv(value: Value[] | undefined) {
    (this.extra ??= newExtra()).kv = value;
  }
  /** Set when the analyser replaced this object by inline data (joblib arrays). */
  get note(): string | undefined {
    return this.extra?.note;
  }
  set note(value: string | undefined) {
    (this.extra ??= newExtra()).note = value;
  }
}

/** The object a persistent_load hook returns for PERSID/BINPERSID. */
export class PPersistent {
  constructor(
    readonly pid: Value,
    readonly offset: number,
  ) {}
}

/** Anything the machine cannot know statically (out-of-band buffers, missing memo entries). */
export class PUnknown {
  constructor(readonly reason: string) {}
}

export function isContainer(value: Value): value is PTuple | PList | PDict | PSet {
  return value instanceof PTuple || value instanceof PList || value instanceof PDict || value instanceof PSet;
}

/** Short human description of a value, for messages and evidence. */
export function describeValue(value: Value): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
    case 'bigint':
      return String(value);
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value instanceof PFloat) return String(value.value);
  if (value instanceof PBytes) return `<${value.data.length} bytes>`;
  if (value instanceof PTuple) return `<tuple of ${value.items.length}>`;
  if (value instanceof PList) return `<list of ${value.items.length}>`;
  if (value instanceof PDict) return `<dict of ${value.kv.length / 2}>`;
  if (value instanceof PSet) return `<${value.frozen ? 'frozenset' : 'set'} of ${value.items.length}>`;
  if (value instanceof PGlobal) return value.full;
  if (value instanceof PCall) return `<result of ${describeCallable(value.callable)}(...)>`;
  if (value instanceof PPersistent) return '<persistent object>';
  return `<unknown: ${value.reason}>`;
}

export function describeCallable(value: Value): string {
  if (value instanceof PGlobal) return value.full;
  return describeValue(value);
}

/** Items of a tuple or list value, else undefined. */
export function sequenceItems(value: Value | undefined): Value[] | undefined {
  if (value instanceof PTuple || value instanceof PList) return value.items;
  return undefined;
}

/** Last value stored under a string key of a dict value. */
export function dictGet(value: Value | undefined, key: string): Value | undefined {
  if (!(value instanceof PDict)) return undefined;
  let found: Value | undefined;
  const kv = value.kv;
  for (let i = 0; i < kv.length; i += 2) if (kv[i] === key) found = kv[i + 1];
  return found;
}

export function dictHas(value: Value | undefined, key: string): boolean {
  if (!(value instanceof PDict)) return false;
  const kv = value.kv;
  for (let i = 0; i < kv.length; i += 2) if (kv[i] === key) return true;
  return false;
}

/*
 * Factories for the values the machine builds by the million. They are object literals (with the
 * class prototype, so instanceof and methods work): V8 tracks allocation sites of literals and,
 * seeing that these objects live as long as the pickle, allocates them in old space directly
 * instead of copying each one through the young generation.
 */
const TUPLE_PROTO: object = PTuple.prototype;
const CALL_PROTO: object = PCall.prototype;
const PERSISTENT_PROTO: object = PPersistent.prototype;

export function makeTuple(items: Value[]): PTuple {
  return { __proto__: TUPLE_PROTO, items } as unknown as PTuple;
}

export function makeCall(callable: Value, args: Value, opcode: CallOpcode, offset: number, kwargs: Value | undefined = undefined): PCall {
  if (kwargs !== undefined) return new PCall(callable, args, opcode, offset, kwargs);
  return { __proto__: CALL_PROTO, extra: undefined, callable, args, opcode, offset } as unknown as PCall;
}

export function makePersistent(pid: Value, offset: number): PPersistent {
  return { __proto__: PERSISTENT_PROTO, pid, offset } as unknown as PPersistent;
}
