/** Writes golden sets in every accepted layout for the loader's tests. */
import { buildZip } from '../../../scripts/fixtures/lib/zip-writer.js';
import { writeSafetensors } from '../../../scripts/fixtures/lib/safetensors-writer.js';
import { npyFile, npyHeader } from '../../../scripts/fixtures/numpy.js';

export type NpyDescr = '<f4' | '<f8' | '|u1' | '<i8' | '<i4' | '<i2' | '|i1' | '>f4';

export function npy(descr: NpyDescr | string, shape: number[], body: Uint8Array, version: 1 | 2 | 3 = 1): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return npyFile(npyHeader(`'${descr}'`, shapeText), body, version);
}

export function f32(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function i64(values: number[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
}

export function npz(members: Record<string, Uint8Array>, method = 8): Buffer {
  return buildZip(Object.entries(members).map(([name, data]) => ({ name, data, method })));
}

export function safetensors(inputs: { dtype: 'F32' | 'U8' | 'I64' | 'F64' | 'I32'; shape: number[]; data: Uint8Array }, labels: { dtype: 'I64' | 'I32' | 'U8' | 'F32'; shape: number[]; data: Uint8Array }): Buffer {
  return writeSafetensors([
    { name: 'inputs', ...inputs },
    { name: 'labels', ...labels },
  ]);
}
