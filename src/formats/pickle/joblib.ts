import { PCall, PDict, PGlobal, PTuple, type Value, sequenceItems } from './values.js';

/**
 * joblib.numpy_pickle writes each numpy array as a NumpyArrayWrapper pickled normally, then, right
 * after the wrapper's BUILD, the array itself: for object dtypes a protocol-2 pickle read by a plain
 * `pickle.load`, otherwise (when the wrapper's numpy_array_alignment_bytes is not None) one
 * padding-length byte and that many padding bytes, then prod(shape) * dtype.itemsize raw bytes
 * (NumpyArrayWrapper.read_array in numpy_pickle.py). Only joblib.load does this: NumpyUnpickler's
 * load_build checks isinstance(stack[-1], NumpyArrayWrapper) after every BUILD.
 */
export interface JoblibLayout {
  dtype: string;
  shape: number[];
  hasObject: boolean;
  /** A padding-length byte precedes the data. */
  alignmentByte: boolean;
  bytes: number;
}

/** NumpyArrayWrapper.__init__(subclass, shape, order, dtype, allow_mmap=False, numpy_array_alignment_bytes=16). */
const INIT_PARAMS = ['subclass', 'shape', 'order', 'dtype', 'allow_mmap', 'numpy_array_alignment_bytes'] as const;
const INIT_REQUIRED = 4;

/** The attributes of a NumpyArrayWrapper instance as the load has set them so far. */
export class WrapperInstance {
  readonly attrs = new Map<string, Value>();

  /** Attributes after __init__ ran with these arguments, or why the call fails. */
  static initialised(args: Value[] | undefined, kwargs: Value | undefined): WrapperInstance | string {
    if (args === undefined) return 'NumpyArrayWrapper.__init__ arguments are not a literal tuple';
    if (kwargs !== undefined && !(kwargs instanceof PDict && kwargs.kv.length === 0)) return 'NumpyArrayWrapper is created with keyword arguments';
    if (args.length < INIT_REQUIRED || args.length > INIT_PARAMS.length) return `NumpyArrayWrapper.__init__ takes 4 to 6 arguments, got ${args.length}`;
    const w = new WrapperInstance();
    w.attrs.set('allow_mmap', false);
    w.attrs.set('numpy_array_alignment_bytes', 16);
    args.forEach((v, i) => w.attrs.set(INIT_PARAMS[i]!, v));
    return w;
  }

  /**
   * pickle._Unpickler.load_build without __setstate__: a (state, slotstate) 2-tuple is split, then
   * state items go to __dict__ and slotstate items through setattr; falsy parts are skipped.
   */
  build(state: Value): string | undefined {
    let dicts: Value[] = [state];
    if (state instanceof PTuple && state.items.length === 2) dicts = state.items;
    for (const d of dicts) {
      if (d === null || d === false || d === 0) continue;
      if (!(d instanceof PDict)) return 'wrapper BUILD state is not a dict (or a pair of dicts)';
      for (let i = 0; i < d.kv.length; i += 2) {
        const k = d.kv[i];
        if (typeof k === 'string') this.attrs.set(k, d.kv[i + 1]!);
      }
    }
    return undefined;
  }

  /** Where the inline array data lies, or why that cannot be known. */
  layout(): JoblibLayout | string {
    const shapeItems = sequenceItems(this.attrs.get('shape'));
    if (!shapeItems) return 'wrapper has no shape tuple';
    let count = 1n;
    const shape: number[] = [];
    for (const dim of shapeItems) {
      const n = nonNegativeInt(dim);
      if (n === undefined) return 'shape holds a value that is not a non-negative integer';
      count *= n;
      shape.push(Number(n));
    }
    const dtype = dtypeInfo(this.attrs.get('dtype'));
    if (typeof dtype === 'string') return dtype;
    const bytes = dtype.hasObject ? 0n : count * BigInt(dtype.itemsize);
    if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return `array of ${bytes} bytes is larger than any file`;
    const alignment = this.attrs.get('numpy_array_alignment_bytes');
    return {
      dtype: dtype.text,
      shape,
      hasObject: dtype.hasObject,
      // safe_get_numpy_array_alignment_bytes: getattr(self, 'numpy_array_alignment_bytes', None) is not None.
      alignmentByte: alignment !== undefined && alignment !== null,
      bytes: Number(bytes),
    };
  }
}

function nonNegativeInt(v: Value | undefined): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (v === true || v === false) return v ? 1n : 0n;
  return undefined;
}

function intOf(v: Value | undefined): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v === true || v === false) return v ? 1 : 0;
  return undefined;
}

interface DtypeInfo {
  text: string;
  itemsize: number;
  hasObject: boolean;
}

/** Kinds that take an explicit size (`'f8'`), with the sizes numpy accepts (x86-64 Linux; undefined: any). */
const SIZED_KINDS: Readonly<Record<string, readonly number[] | undefined>> = {
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 16],
  c: [8, 16, 32],
  M: [8],
  m: [8],
  O: [8],
  S: undefined,
  a: undefined,
  U: undefined,
  V: undefined,
};

/** Single-letter type codes of fixed, platform-independent size. */
const CHAR_CODES: Readonly<Record<string, [kind: string, size: number]>> = {
  '?': ['b', 1], b: ['i', 1], B: ['u', 1], h: ['i', 2], H: ['u', 2], i: ['i', 4], I: ['u', 4], q: ['i', 8], Q: ['u', 8],
  e: ['f', 2], f: ['f', 4], d: ['f', 8], F: ['c', 8], D: ['c', 16], O: ['O', 8], M: ['M', 8], m: ['m', 8],
  S: ['S', 0], a: ['S', 0], U: ['U', 0], V: ['V', 0],
};

/** numpy's parse of a dtype string: [byteorder] kind size, or a one-letter type code; datetimes may carry a [unit]. */
function parseTypeString(text: string): { kind: string; itemsize: number } | undefined {
  const m = /^([<>|=]?)([A-Za-z?])(\d*)(\[[A-Za-z0-9]+\])?$/.exec(text);
  if (!m) return undefined;
  const [, , letter, digits, unit] = m;
  if (unit && letter !== 'M' && letter !== 'm') return undefined;
  if (digits) {
    const sizes = SIZED_KINDS[letter!];
    if (!(letter! in SIZED_KINDS)) return undefined;
    const n = Number(digits);
    if (!Number.isSafeInteger(n) || (sizes && !sizes.includes(n))) return undefined;
    const kind = letter === 'a' ? 'S' : letter!;
    return { kind, itemsize: kind === 'U' ? n * 4 : n };
  }
  const code = CHAR_CODES[letter!];
  return code ? { kind: code[0], itemsize: code[1] } : undefined;
}

/**
 * numpy.dtype(str, align, copy) plus its BUILD state (version, endian, subarray, names, fields,
 * elsize, alignment, flags[, metadata]), with numpy's arraydescr_setstate rules: the state's elsize
 * counts only for the flexible kinds S/U/V (PyTypeNum_ISEXTENDED); for version >= 3 hasobject is
 * flags & 1, for older versions _descr_find_object makes any non-zero flags (or kind 'O') an object dtype.
 */
function dtypeInfo(v: Value | undefined): DtypeInfo | string {
  if (!(v instanceof PCall) || !(v.callable instanceof PGlobal) || !/^numpy(\._?core\.multiarray)?\.dtype$/.test(v.callable.canonical)) {
    return 'dtype is not a numpy.dtype(...) value';
  }
  const text = sequenceItems(v.args)?.[0];
  if (typeof text !== 'string') return 'dtype has no type string';
  const parsed = parseTypeString(text);
  if (!parsed) return `dtype ${JSON.stringify(text)} is not a type string this analyser sizes`;
  let { itemsize } = parsed;
  const flexible = parsed.kind === 'S' || parsed.kind === 'U' || parsed.kind === 'V';
  let hasObject = parsed.kind === 'O';
  if (v.state !== undefined) {
    const state = sequenceItems(v.state);
    if (!(v.state instanceof PTuple) || !state || (state.length !== 8 && state.length !== 9)) return `dtype ${JSON.stringify(text)} has a BUILD state this analyser does not model`;
    const version = intOf(state[0]);
    const elsize = intOf(state[5]);
    const flags = intOf(state[7]);
    if (version === undefined || version < 0 || version > 4 || elsize === undefined || intOf(state[6]) === undefined || flags === undefined) {
      return `dtype ${JSON.stringify(text)} has a malformed BUILD state`;
    }
    if (flags < -128 || flags > 127) return `dtype ${JSON.stringify(text)} has out-of-range flags ${flags}`;
    if ((state[3] !== null || state[4] !== null || state[2] !== null) && (!flexible || version < 3)) {
      return `dtype ${JSON.stringify(text)} has fields or a subarray this analyser does not size`;
    }
    if (flexible) itemsize = elsize;
    hasObject = version >= 3 ? (flags & 1) === 1 : flags !== 0 || parsed.kind === 'O';
  }
  if (!hasObject && (itemsize <= 0 || !Number.isSafeInteger(itemsize))) return `itemsize of dtype ${JSON.stringify(text)} is ${itemsize}; joblib cannot read it`;
  return { text, itemsize, hasObject };
}
