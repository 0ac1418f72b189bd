import { GoldenSetError } from './errors.js';

/** Element types as stored; safetensors and .npy both map to these. */
export type StoredDtype = 'f32' | 'f64' | 'u8' | 'i8' | 'i16' | 'i32' | 'i64';

/** One array as read from the file: little-endian bytes of `shape`, C order. */
export interface RawArray {
  dtype: StoredDtype;
  shape: number[];
  data: Uint8Array;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A fresh, exactly sized, aligned copy (Buffer.slice would return a view into a shared pool). */
function aligned(data: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

function view(a: RawArray) {
  return new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

/**
 * Golden inputs: floats and bytes become Float32Array (u8 keeps 0..255; the profile's range says what
 * the model expects), integers become token ids (BigInt64Array for i64, else Int32Array). Non-finite
 * floats are refused.
 */
export function decodeInputs(a: RawArray, label: string): Float32Array | BigInt64Array | Int32Array {
  const n = a.shape.reduce((x, y) => x * y, 1);
  let out: Float32Array | BigInt64Array | Int32Array;
  switch (a.dtype) {
    case 'f32':
      out = LITTLE_ENDIAN_HOST ? new Float32Array(aligned(a.data)) : Float32Array.from({ length: n }, (_, i) => view(a).getFloat32(i * 4, true));
      break;
    case 'f64': {
      const v = view(a);
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true);
      break;
    }
    case 'u8':
      out = Float32Array.from(a.data);
      break;
    case 'i64':
      out = LITTLE_ENDIAN_HOST ? new BigInt64Array(aligned(a.data)) : BigInt64Array.from({ length: n }, (_, i) => view(a).getBigInt64(i * 8, true));
      break;
    default:
      out = decodeInts(a);
  }
  if (out instanceof Float32Array) {
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) throw new GoldenSetError('GOLDEN_NONFINITE', `${label}: input value #${i} is ${out[i]} (not a finite float32)`);
    }
  }
  return out;
}

function decodeInts(a: RawArray): Int32Array {
  const n = a.shape.reduce((x, y) => x * y, 1);
  const v = view(a);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = a.dtype === 'i8' ? v.getInt8(i) : a.dtype === 'u8' ? v.getUint8(i) : a.dtype === 'i16' ? v.getInt16(i * 2, true) : v.getInt32(i * 4, true);
  }
  return out;
}

/** Labels: integers of any stored width, each a class index in [0, 2^31). */
export function decodeLabels(a: RawArray, label: string): Int32Array {
  if (a.dtype === 'f32' || a.dtype === 'f64') throw new GoldenSetError('GOLDEN_DTYPE_UNSUPPORTED', `${label}: labels are floats (${a.dtype}); integer class indices are required`);
  if (a.shape.length !== 1) throw new GoldenSetError('GOLDEN_SHAPE_INVALID', `${label}: labels have shape [${a.shape.join(', ')}], not [N]`);
  const n = a.shape[0]!;
  let out: Int32Array;
  if (a.dtype === 'i64') {
    const v = view(a);
    out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = v.getBigInt64(i * 8, true);
      if (x < 0n || x > 2147483647n) throw new GoldenSetError('GOLDEN_LABEL_INVALID', `${label}: label #${i} is ${x}, not a class index`);
      out[i] = Number(x);
    }
    return out;
  }
  out = decodeInts(a);
  for (let i = 0; i < n; i++) if (out[i]! < 0) throw new GoldenSetError('GOLDEN_LABEL_INVALID', `${label}: label #${i} is ${out[i]}, not a class index`);
  return out;
}
