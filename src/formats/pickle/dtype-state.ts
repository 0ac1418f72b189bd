import { PCall, PDict, PGlobal, PTuple, type Value } from './values.js';

const NUMPY_DTYPE = /^numpy(\._?core\.multiarray)?\.dtype$/;

function isDtypeCall(v: Value | undefined): v is PCall {
  return v instanceof PCall && v.callable instanceof PGlobal && NUMPY_DTYPE.test(v.callable.canonical);
}

function typeString(v: PCall): string | undefined {
  const args = v.args instanceof PTuple ? v.args.items : undefined;
  const first = args?.[0];
  return typeof first === 'string' ? first : undefined;
}

function int(v: Value | undefined): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v >= -(2n ** 31n) && v < 2n ** 31n) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** True when a dtype (type string + BUILD state), or any field of it, holds Python objects. */
function holdsObjects(text: string | undefined, state: Value | undefined, depth = 0): boolean {
  if (depth > 32) return true;
  if (text !== undefined && /^[<>|=]?O\d*$/.test(text)) return true;
  const fields = state instanceof PTuple ? state.items[4] : undefined;
  if (fields instanceof PDict) {
    for (let i = 1; i < fields.kv.length; i += 2) {
      const entry = fields.kv[i];
      const dtype = entry instanceof PTuple ? entry.items[0] : undefined;
      if (isDtypeCall(dtype) && holdsObjects(typeString(dtype), dtype.state, depth + 1)) return true;
    }
  }
  return false;
}

/**
 * numpy's arraydescr_setstate takes a version >= 3 state's flags as given: an object dtype (or a struct
 * with object fields) whose flags lack NPY_ITEM_REFCOUNT (bit 0) makes numpy treat raw array bytes as
 * PyObject pointers (memory corruption, not a Python call). Returns why a BUILD state is forged, if it is.
 */
export function forgedDtypeFlags(target: Value, state: Value): string | undefined {
  if (!isDtypeCall(target) || !(state instanceof PTuple)) return undefined;
  const version = int(state.items[0]);
  const flags = int(state.items[7]);
  if (version === undefined || version < 3 || flags === undefined) return undefined;
  if ((flags & 1) === 0 && holdsObjects(typeString(target), state)) {
    return `numpy.dtype(${JSON.stringify(typeString(target) ?? '?')}) BUILD state holds objects but its flags ${flags} clear the object bit`;
  }
  return undefined;
}
