import { CALLABLE_ARGUMENTS } from './allowlist.js';
import { JOBLIB_WRAPPERS } from './loaders.js';
import { PCall, PGlobal, type Value, dictGet, dictHas, sequenceItems } from './values.js';

/**
 * joblib.numpy_pickle writes each numpy array as a NumpyArrayWrapper pickled normally, then, right
 * after the wrapper's BUILD, the array itself: for object dtypes a protocol-2 pickle, otherwise
 * (joblib >= 1.2, when the wrapper has numpy_array_alignment_bytes) one padding-length byte and that
 * many padding bytes, then prod(shape) * itemsize raw bytes (read_array in numpy_pickle.py).
 */
export interface JoblibLayout {
  dtype: string;
  shape: number[];
  hasObject: boolean;
  /** A padding-length byte precedes the data. */
  alignmentByte: boolean;
  bytes: number;
}

/** True when `target` (the object BUILD just updated) is a joblib NumpyArrayWrapper instance. */
export function isJoblibWrapper(target: Value): target is PCall {
  if (!(target instanceof PCall) || !(target.callable instanceof PGlobal)) return false;
  const name = target.callable.canonical;
  if (JOBLIB_WRAPPERS.has(name)) return true;
  // Protocol 0/1: copyreg._reconstructor(NumpyArrayWrapper, object, None) / copyreg.__newobj__(cls).
  if (CALLABLE_ARGUMENTS.has(name) && name.startsWith('copyreg.')) {
    const cls = sequenceItems(target.args)?.[0];
    return cls instanceof PGlobal && JOBLIB_WRAPPERS.has(cls.canonical);
  }
  return false;
}

function nonNegativeInt(v: Value | undefined): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n) return v;
  return undefined;
}

function intOf(v: Value | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

interface DtypeInfo {
  text: string;
  itemsize: number;
  hasObject: boolean;
}

/** numpy.dtype(str, align, copy) plus its BUILD state (version, endian, subarray, names, fields, elsize, alignment, flags[, metadata]). */
function dtypeInfo(v: Value | undefined): DtypeInfo | string {
  if (!(v instanceof PCall) || !(v.callable instanceof PGlobal) || !/^numpy(\._?core\.multiarray)?\.dtype$/.test(v.callable.canonical)) {
    return 'dtype is not a numpy.dtype(...) value';
  }
  const text = sequenceItems(v.args)?.[0];
  if (typeof text !== 'string') return 'dtype has no type string';
  const state = sequenceItems(v.state);
  const elsize = intOf(state?.[5]);
  const flags = intOf(state?.[7]);
  const match = /^([a-zA-Z?])(\d*)$/.exec(text);
  const kind = match?.[1];
  let itemsize: number | undefined = elsize !== undefined && elsize > 0 ? elsize : undefined;
  if (itemsize === undefined && match?.[2]) itemsize = Number(match[2]) * (kind === 'U' ? 4 : 1);
  if (itemsize === undefined || !Number.isSafeInteger(itemsize)) return `itemsize of dtype ${JSON.stringify(text)} is unknown`;
  const hasObject = kind === 'O' || (flags !== undefined && (flags & 1) === 1);
  return { text, itemsize, hasObject };
}

/** Where the inline array data lies, or why that cannot be known. */
export function joblibLayout(state: Value): JoblibLayout | string {
  const shapeItems = sequenceItems(dictGet(state, 'shape'));
  if (!shapeItems) return 'wrapper state has no shape tuple';
  let count = 1n;
  const shape: number[] = [];
  for (const dim of shapeItems) {
    const n = nonNegativeInt(dim);
    if (n === undefined) return 'shape holds a value that is not a non-negative integer';
    count *= n;
    shape.push(Number(n));
  }
  const dtype = dtypeInfo(dictGet(state, 'dtype'));
  if (typeof dtype === 'string') return dtype;
  const alignment = dictGet(state, 'numpy_array_alignment_bytes');
  const bytes = dtype.hasObject ? 0n : count * BigInt(dtype.itemsize);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return `array of ${bytes} bytes is larger than any file`;
  return {
    dtype: dtype.text,
    shape,
    hasObject: dtype.hasObject,
    alignmentByte: dictHas(state, 'numpy_array_alignment_bytes') && alignment !== null,
    bytes: Number(bytes),
  };
}
