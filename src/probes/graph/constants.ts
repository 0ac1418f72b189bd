import { DT, type AttributeIR, type TensorIR } from './model-ir.js';

/** Constants larger than this are not materialised eagerly (the rules need scalars and [C] vectors). */
export const MAX_CONSTANT_ELEMENTS = 65_536;
export const EAGER_CONSTANT_ELEMENTS = 4_096;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * Math.max(0, d), 1);
}

const BYTES: Partial<Record<number, number>> = {
  [DT.FLOAT]: 4, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.UINT16]: 2, [DT.INT16]: 2, [DT.INT32]: 4, [DT.INT64]: 8,
  [DT.BOOL]: 1, [DT.FLOAT16]: 2, [DT.DOUBLE]: 8, [DT.UINT32]: 4, [DT.UINT64]: 8, [DT.BFLOAT16]: 2,
};

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function readRaw(raw: Uint8Array, dataType: number, count: number): number[] | null {
  const size = BYTES[dataType];
  if (size === undefined || raw.length < count * size) return null;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    switch (dataType) {
      case DT.FLOAT: out[i] = dv.getFloat32(o, true); break;
      case DT.DOUBLE: out[i] = dv.getFloat64(o, true); break;
      case DT.UINT8: case DT.BOOL: out[i] = dv.getUint8(o); break;
      case DT.INT8: out[i] = dv.getInt8(o); break;
      case DT.UINT16: out[i] = dv.getUint16(o, true); break;
      case DT.INT16: out[i] = dv.getInt16(o, true); break;
      case DT.INT32: out[i] = dv.getInt32(o, true); break;
      case DT.UINT32: out[i] = dv.getUint32(o, true); break;
      case DT.INT64: out[i] = Number(dv.getBigInt64(o, true)); break;
      case DT.UINT64: out[i] = Number(dv.getBigUint64(o, true)); break;
      case DT.FLOAT16: out[i] = half(dv.getUint16(o, true)); break;
      case DT.BFLOAT16: out[i] = new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0] ?? NaN; break;
      default: return null;
    }
  }
  return out;
}

function readPacked(chunks: TensorIR['packed'], dataType: number, limit: number): number[] | null {
  const out: number[] = [];
  for (const { field, bytes } of chunks) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (field === 4 || field === 10) {
      const size = field === 4 ? 4 : 8;
      for (let o = 0; o + size <= bytes.length; o += size) {
        out.push(size === 4 ? dv.getFloat32(o, true) : dv.getFloat64(o, true));
        if (out.length > limit) return null;
      }
      continue;
    }
    // Varints (int32_data also carries bool, int8/16, uint8/16 and float16 bit patterns).
    let v = 0n;
    let shift = 0n;
    for (const byte of bytes) {
      v |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte & 0x80) continue;
      out.push(Number(field === 11 ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v)));
      if (out.length > limit) return null;
      v = 0n;
      shift = 0n;
    }
  }
  if (dataType === DT.FLOAT16) return out.map(half);
  return out;
}

/** The tensor's values when it is small and stored inline; null otherwise (never throws). */
export function tensorValues(t: TensorIR, limit = MAX_CONSTANT_ELEMENTS): number[] | null {
  if (t.external) return null;
  const count = elementCount(t.dims);
  if (count > limit) return null;
  if (t.raw) return readRaw(t.raw, t.dataType, count);
  const values = t.packed.length > 0 ? readPacked(t.packed, t.dataType, limit) : t.unpackedCount <= limit ? t.unpacked.slice() : null;
  if (!values) return null;
  return values.length >= count ? values.slice(0, count) : null;
}

export interface ConstantValue {
  dims: number[];
  dataType: number;
  values: number[] | null;
}

/** The value of a Constant node from its attribute (value, value_float(s), value_int(s)). */
export function constantNodeValue(attrs: readonly AttributeIR[]): ConstantValue | null {
  for (const a of attrs) {
    switch (a.name) {
      case 'value':
        return a.t ? { dims: a.t.dims, dataType: a.t.dataType, values: tensorValues(a.t, EAGER_CONSTANT_ELEMENTS) } : null;
      case 'value_float':
        return { dims: [], dataType: DT.FLOAT, values: [a.f ?? 0] };
      case 'value_floats':
        return { dims: [a.floats.length], dataType: DT.FLOAT, values: a.floats.slice() };
      case 'value_int':
        return { dims: [], dataType: DT.INT64, values: [a.i ?? 0] };
      case 'value_ints':
        return { dims: [a.ints.length], dataType: DT.INT64, values: a.ints.slice() };
      default:
        break;
    }
  }
  return null;
}
