import type { OnnxDim, OnnxValueInfo } from './facts.js';

/** TensorProto.DataType numbers to the names onnxruntime and numpy users know. */
export const ELEM_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
  24: 'float8e8m0',
  25: 'uint2',
  26: 'int2',
};

export function elemTypeName(type: number | null): string | null {
  return type === null ? null : (ELEM_TYPE_NAMES[type] ?? null);
}

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function dims(shape: unknown): OnnxDim[] | null {
  if (!isPlain(shape)) return null;
  const list = Array.isArray(shape['dim']) ? (shape['dim'] as unknown[]) : [];
  return list.map((d): OnnxDim => {
    if (!isPlain(d)) return null;
    if (typeof d['dim_value'] === 'number') return d['dim_value'];
    if (typeof d['dim_param'] === 'string') return d['dim_param'];
    return null;
  });
}

function elem(tensor: Plain): { elemType: number | null; shape: OnnxDim[] | null } {
  const elemType = typeof tensor['elem_type'] === 'number' ? tensor['elem_type'] : null;
  return { elemType, shape: dims(tensor['shape']) };
}

/** Innermost element type of a sequence/optional chain, bounded (schema decoding already bounds depth). */
function describeType(type: unknown, depth = 0): Omit<OnnxValueInfo, 'name' | 'elemTypeName'> {
  if (!isPlain(type) || depth > 32) return { kind: 'none', elemType: null, shape: null };
  if (isPlain(type['tensor_type'])) return { kind: 'tensor', ...elem(type['tensor_type']) };
  if (isPlain(type['sparse_tensor_type'])) return { kind: 'sparse_tensor', ...elem(type['sparse_tensor_type']) };
  if (isPlain(type['sequence_type'])) {
    return { ...describeType(type['sequence_type']['elem_type'], depth + 1), kind: 'sequence' };
  }
  if (isPlain(type['optional_type'])) {
    return { ...describeType(type['optional_type']['elem_type'], depth + 1), kind: 'optional' };
  }
  if (isPlain(type['map_type'])) {
    return { ...describeType(type['map_type']['value_type'], depth + 1), kind: 'map' };
  }
  if (isPlain(type['opaque_type'])) return { kind: 'opaque', elemType: null, shape: null };
  return { kind: 'none', elemType: null, shape: null };
}

/** Turns a decoded ValueInfoProto into facts. */
export function toValueInfo(decoded: Plain): OnnxValueInfo {
  const name = typeof decoded['name'] === 'string' ? decoded['name'] : '';
  const described = describeType(decoded['type']);
  return { name, ...described, elemTypeName: elemTypeName(described.elemType) };
}

/** Bits per element of each fixed-size TensorProto.DataType (strings have no fixed size). */
const ELEM_BITS: Record<number, number> = {
  1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64, 14: 64, 15: 128, 16: 16,
  17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8, 25: 2, 26: 2,
};

/** Bytes a dense tensor of this type and shape occupies, or null when unknown or not representable. */
export function tensorByteSize(dataType: number | null, dims: readonly number[]): number | null {
  const bits = dataType === null ? undefined : ELEM_BITS[dataType];
  if (bits === undefined) return null;
  let elements = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return null;
    elements *= d;
    if (!Number.isSafeInteger(elements)) return null;
  }
  return Math.ceil((elements * bits) / 8);
}
