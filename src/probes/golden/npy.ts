import { DtypeError, interpretDescr } from '../../formats/numpy/dtype.js';
import { parsePyLiteral, PyLiteralError, showPy, type PyValue } from '../../formats/numpy/py-literal.js';
import { GoldenSetError, MAX_HEADER_BYTES } from './errors.js';
import type { RawArray, StoredDtype } from './raw-array.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** The only descr strings a golden array may use: little-endian (or byte-order free) plain numbers. */
const DESCRS: Record<string, StoredDtype> = {
  '<f4': 'f32',
  '<f8': 'f64',
  '|u1': 'u8',
  '|i1': 'i8',
  '<i2': 'i16',
  '<i4': 'i32',
  '<i8': 'i64',
};
const OBJECT_DESCR = /^[<>|=]?O[0-9]*$|^object$/;

/**
 * A strict .npy reader for golden arrays: the header literal through the repo's numpy parser, exactly
 * the keys descr/fortran_order/shape, a plain little-endian numeric dtype, C order, and a body of exactly
 * shape × itemsize bytes. Object (pickled) arrays are refused, never read.
 */
export function parseNpy(bytes: Uint8Array, label: string): RawArray {
  const fail = (message: string, code: 'GOLDEN_NPY_INVALID' | 'GOLDEN_OBJECT_ARRAY' | 'GOLDEN_DTYPE_UNSUPPORTED' = 'GOLDEN_NPY_INVALID'): never => {
    throw new GoldenSetError(code, `${label}: ${message}`);
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (![1, 2, 3].includes(major) || bytes[7] !== 0) fail(`unsupported .npy version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail('file ends inside the header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) fail(`header of ${headerLength} bytes exceeds ${MAX_HEADER_BYTES}`);
  if (prefix + headerLength > bytes.length) fail(`header of ${headerLength} bytes runs past the end of the file`);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(prefix, prefix + headerLength));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: PyValue;
  try {
    header = parsePyLiteral(text, { allowLongSuffix: major < 3 });
  } catch (error) {
    if (error instanceof PyLiteralError) return fail(`header is not a numpy header literal (${error.message})`);
    throw error;
  }
  if (header.type !== 'dict') return fail(`header is a ${header.type}, not a dict`);
  const keys = header.entries.map(([k]) => (k.type === 'str' ? k.value : showPy(k).slice(0, 40)));
  if (keys.length !== 3 || new Set(keys).size !== 3 || !['descr', 'fortran_order', 'shape'].every((k) => keys.includes(k))) {
    fail(`header keys are ${JSON.stringify(keys.slice(0, 6))}, not descr, fortran_order, shape`);
  }
  const get = (key: string) => header.entries.find(([k]) => k.type === 'str' && k.value === key)![1];

  const descr = get('descr');
  const dtype = descrDtype(descr, fail);
  const fortran = get('fortran_order');
  if (fortran.type !== 'bool') fail(`fortran_order is ${showPy(fortran).slice(0, 40)}`);
  if (fortran.type === 'bool' && fortran.value) fail('array is in Fortran order; only C order is accepted');
  const shapeValue = get('shape');
  if (shapeValue.type !== 'tuple' || shapeValue.items.length > 8) fail(`shape ${showPy(shapeValue).slice(0, 80)} is not a tuple of at most 8 dims`);
  const shape = (shapeValue as { items: PyValue[] }).items.map((d) => {
    if (d.type !== 'int' || d.value < 0n || d.value > 2n ** 32n) return fail(`shape ${showPy(shapeValue).slice(0, 80)} has a bad dim`);
    return Number(d.value);
  });
  const itemsize = ITEMSIZE[dtype];
  const expected = shape.reduce((a, b) => a * b, 1) * itemsize;
  const body = bytes.length - prefix - headerLength;
  if (body !== expected) fail(`data holds ${body} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`);
  return { dtype, shape, data: bytes.subarray(prefix + headerLength) };
}

const ITEMSIZE: Record<StoredDtype, number> = { f32: 4, f64: 8, u8: 1, i8: 1, i16: 2, i32: 4, i64: 8 };

function descrDtype(descr: PyValue, fail: (message: string, code?: 'GOLDEN_OBJECT_ARRAY' | 'GOLDEN_DTYPE_UNSUPPORTED') => never): StoredDtype {
  const shown = descr.type === 'str' ? descr.value : showPy(descr).slice(0, 80);
  let hasObject = descr.type === 'str' && OBJECT_DESCR.test(descr.value);
  try {
    hasObject ||= interpretDescr(descr).hasObject;
  } catch (error) {
    if (!(error instanceof DtypeError)) throw error;
  }
  if (hasObject) fail(`dtype ${JSON.stringify(shown)} holds Python objects (a pickle); object arrays are refused`, 'GOLDEN_OBJECT_ARRAY');
  const dtype = descr.type === 'str' ? DESCRS[descr.value] : undefined;
  if (!dtype) {
    const hint = descr.type === 'str' && descr.value.startsWith('>') ? ' (big-endian)' : descr.type !== 'str' ? ' (structured)' : '';
    return fail(`dtype ${JSON.stringify(shown)}${hint} is not one of ${Object.keys(DESCRS).join(', ')}`, 'GOLDEN_DTYPE_UNSUPPORTED');
  }
  return dtype;
}
