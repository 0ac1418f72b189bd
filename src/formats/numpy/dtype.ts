import { showPy, type PyValue } from './py-literal.js';

/** What the scanner needs from a descr: bytes per element and whether np.load must unpickle. */
export interface DtypeInfo {
  itemsize: bigint;
  hasObject: boolean;
}

export class DtypeError extends Error {
  override name = 'DtypeError';
}

const DATETIME_UNIT = /^\[[0-9]*(Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as|generic)\]$/;
/** The `dtype.str` grammar numpy writes: byte order, kind, size, optional datetime unit. */
const DESCR = /^([<>|=]?)([?biufcSaUVOMm])([0-9]*)(\[[^\]]*\])?$/;
const FIXED_SIZES: Record<string, readonly number[]> = {
  '?': [1],
  b: [1],
  i: [1, 2, 4, 8],
  u: [1, 2, 4, 8],
  f: [2, 4, 8, 12, 16],
  c: [8, 16, 24, 32],
  O: [4, 8],
  M: [8],
  m: [8],
};
const MAX_FIELDS = 10_000;

function scalarDescr(descr: string): DtypeInfo {
  const m = DESCR.exec(descr);
  if (!m) throw new DtypeError(`unrecognised dtype ${JSON.stringify(descr)}`);
  const [, , kind, digits, unit] = m as unknown as [string, string, string, string, string | undefined];
  if (unit !== undefined && (kind !== 'M' && kind !== 'm')) throw new DtypeError(`unit on non-datetime dtype ${JSON.stringify(descr)}`);
  if (unit !== undefined && !DATETIME_UNIT.test(unit)) throw new DtypeError(`unknown datetime unit in ${JSON.stringify(descr)}`);
  if (digits.length > 12) throw new DtypeError(`dtype size too large in ${JSON.stringify(descr)}`);
  const size = digits === '' ? undefined : Number(digits);
  const fixed = FIXED_SIZES[kind];
  if (fixed) {
    const itemsize = size ?? (kind === '?' || kind === 'b' ? 1 : kind === 'O' || kind === 'M' || kind === 'm' ? 8 : undefined);
    if (itemsize === undefined || !fixed.includes(itemsize)) throw new DtypeError(`unsupported size in dtype ${JSON.stringify(descr)}`);
    return { itemsize: BigInt(itemsize), hasObject: kind === 'O' };
  }
  // S/a (bytes), V (void): n bytes; U: n UCS-4 characters.
  const n = BigInt(size ?? 0);
  return { itemsize: kind === 'U' ? n * 4n : n, hasObject: false };
}

function shapeProduct(value: PyValue): bigint {
  const dims = value.type === 'int' ? [value] : value.type === 'tuple' ? value.items : undefined;
  if (!dims) throw new DtypeError(`subarray shape ${showPy(value)} is not an int or a tuple of ints`);
  let product = 1n;
  for (const d of dims) {
    if (d.type !== 'int' || d.value < 0n) throw new DtypeError(`subarray shape ${showPy(value)} has a non-integer or negative entry`);
    product *= d.value;
  }
  return product;
}

/**
 * Interprets a header `descr` the way numpy's `descr_to_dtype` does: a dtype string, a
 * `(base, shape)` subarray tuple, or a structured list of `(name, descr[, shape])` fields.
 */
export function interpretDescr(descr: PyValue, depth = 0): DtypeInfo {
  if (depth > 16) throw new DtypeError('structured dtype nested too deeply');
  if (descr.type === 'str') return scalarDescr(descr.value);
  if (descr.type === 'tuple') {
    if (descr.items.length !== 2) throw new DtypeError(`subarray descr ${showPy(descr)} is not (base, shape)`);
    const base = interpretDescr(descr.items[0]!, depth + 1);
    return { itemsize: base.itemsize * shapeProduct(descr.items[1]!), hasObject: base.hasObject };
  }
  if (descr.type !== 'list') throw new DtypeError(`descr ${showPy(descr)} is neither a string nor a list of fields`);
  if (descr.items.length > MAX_FIELDS) throw new DtypeError(`more than ${MAX_FIELDS} fields`);
  const names = new Set<string>();
  let itemsize = 0n;
  let hasObject = false;
  for (const field of descr.items) {
    if (field.type !== 'tuple' || field.items.length < 2 || field.items.length > 3) {
      throw new DtypeError(`field ${showPy(field)} is not (name, descr[, shape])`);
    }
    const [nameValue, sub, shape] = field.items as [PyValue, PyValue, PyValue | undefined];
    const name = fieldName(nameValue);
    // numpy writes padding as unnamed void fields; every other name must be unique.
    if (name !== '') {
      if (names.has(name)) throw new DtypeError(`duplicate field name ${JSON.stringify(name)}`);
      names.add(name);
    }
    const info = interpretDescr(sub, depth + 1);
    itemsize += info.itemsize * (shape === undefined ? 1n : shapeProduct(shape));
    hasObject ||= info.hasObject;
  }
  return { itemsize, hasObject };
}

function fieldName(value: PyValue): string {
  if (value.type === 'str') return value.value;
  // (title, name)
  if (value.type === 'tuple' && value.items.length === 2 && value.items[1]?.type === 'str') return value.items[1].value;
  throw new DtypeError(`field name ${showPy(value)} is not a string`);
}
