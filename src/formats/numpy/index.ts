import { makeFinding, type Finding } from '../../core/finding.js';
import { sliceSource, type ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, NestedReport, ScanContext } from '../types.js';
import { NUMPY_CODES, type NumpyCode } from './codes.js';
import { DtypeError, interpretDescr, type DtypeInfo } from './dtype.js';
import { parsePyLiteral, PyLiteralError, showPy, type PyValue } from './py-literal.js';

export { NUMPY_CODES } from './codes.js';

export interface NumpyFacts {
  /** "1.0", "2.0" or "3.0"; null when the magic or version is unreadable. */
  version: string | null;
  /** The descr as written (a dtype string, or the printed structured list). */
  descr: string | null;
  shape: number[] | null;
  fortranOrder: boolean | null;
  /** np.load needs allow_pickle=True: the body is a pickle. */
  hasObject: boolean;
  headerLength: number;
  dataOffset: number;
  itemsize: number | null;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const HEADER_KEYS = ['descr', 'fortran_order', 'shape'];

export function looksLikeNumpy(head: Uint8Array): boolean {
  return head.length >= MAGIC.length && MAGIC.every((b, i) => head[i] === b);
}

async function scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<NumpyFacts>> {
  const findings: Finding[] = [];
  const children: NestedReport[] = [];
  const facts: NumpyFacts = { version: null, descr: null, shape: null, fortranOrder: null, hasObject: false, headerLength: 0, dataOffset: 0, itemsize: null };
  const add = (code: NumpyCode, message: string, evidence: Record<string, unknown> = {}) =>
    findings.push(makeFinding(NUMPY_CODES, code, ctx, `${source.label}: ${message}`, evidence));
  const done = (): FormatReport<NumpyFacts> => ({ format: 'numpy', facts, findings, children });

  const head = await source.read(0, 12);
  if (!looksLikeNumpy(head) || head.length < 10) {
    add('NUMPY_BAD_MAGIC', 'missing \\x93NUMPY magic or too short for a header length');
    return done();
  }
  const major = head[6]!;
  const minor = head[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    add('NUMPY_UNSUPPORTED_VERSION', `format version ${major}.${minor}`, { major, minor });
    return done();
  }
  facts.version = `${major}.0`;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (major > 1 && head.length < 12) {
    add('NUMPY_TRUNCATED_HEADER', 'file ends inside the header length');
    return done();
  }
  const prefix = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  facts.headerLength = headerLength;
  facts.dataOffset = prefix + headerLength;
  if (headerLength > ctx.limits.maxHeaderBytes) {
    add('NUMPY_HEADER_TOO_LARGE', `header length ${headerLength} exceeds the ${ctx.limits.maxHeaderBytes}-byte limit`, { headerLength });
    return done();
  }
  if (prefix + headerLength > source.size) {
    add('NUMPY_TRUNCATED_HEADER', `header of ${headerLength} bytes runs past the end of the ${source.size}-byte file`, { headerLength, size: source.size });
    return done();
  }

  const raw = await source.read(prefix, headerLength);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch {
    add('NUMPY_HEADER_ENCODING', 'version 3.0 header is not valid UTF-8');
    return done();
  }
  if ((prefix + headerLength) % 16 !== 0 || text.indexOf('\n') !== text.length - 1) {
    add('NUMPY_HEADER_NONCANONICAL', 'header is not space-padded to alignment with a single final newline', { total: prefix + headerLength });
  }

  const dtype = readHeader(text, major, facts, add);
  if (dtype) {
    facts.itemsize = Number(dtype.itemsize);
    facts.hasObject = dtype.hasObject;
  }
  const bodySize = source.size - facts.dataOffset;
  if (dtype && !dtype.hasObject && facts.shape) {
    const expected = facts.shape.reduce((a, b) => a * BigInt(b), 1n) * dtype.itemsize;
    if (BigInt(bodySize) < expected) {
      add('NUMPY_TRUNCATED_DATA', `data holds ${bodySize} bytes but shape × itemsize is ${expected}`, { expected: expected.toString(), actual: bodySize });
    } else if (BigInt(bodySize) > expected) {
      add('NUMPY_TRAILING_DATA', `${BigInt(bodySize) - expected} bytes follow the array data`, { expected: expected.toString(), actual: bodySize });
    }
  }
  if (dtype?.hasObject) {
    add('NUMPY_OBJECT_DTYPE', `dtype ${facts.descr} holds Python objects; loading it unpickles the body`, { descr: facts.descr });
  }
  // The body is a pickle when the dtype holds objects; when we could not read the dtype, it may be.
  if ((dtype?.hasObject || (dtype === undefined && facts.descr !== null)) && bodySize > 0) {
    const body = sliceSource(source, facts.dataOffset, bodySize, `${source.label} > npy-body`);
    children.push({ label: 'npy-body', report: await ctx.scanNested(body, 'npy-body') });
  }
  return done();
}

type Sink = (code: NumpyCode, message: string, evidence?: Record<string, unknown>) => void;

function readHeader(text: string, major: number, facts: NumpyFacts, add: Sink): DtypeInfo | undefined {
  let header: PyValue;
  try {
    header = parsePyLiteral(text, { allowLongSuffix: major < 3 });
  } catch (error) {
    if (!(error instanceof PyLiteralError)) throw error;
    add('NUMPY_HEADER_INVALID', `header is not a literal numpy accepts: ${error.message}`, { offset: error.offset });
    return undefined;
  }
  if (header.type !== 'dict') {
    add('NUMPY_HEADER_INVALID', `header is a ${header.type}, not a dict`);
    return undefined;
  }
  const keys = header.entries.map(([k]) => (k.type === 'str' ? k.value : showPy(k)));
  const unique = new Set(keys);
  if (unique.size !== keys.length || keys.length !== HEADER_KEYS.length || !HEADER_KEYS.every((k) => unique.has(k))) {
    add('NUMPY_HEADER_KEYS', `header keys are ${keys.slice(0, 10).join(', ')}`, { keys: keys.slice(0, 10) });
  }
  const get = (key: string) => header.entries.find(([k]) => k.type === 'str' && k.value === key)?.[1];

  const fortran = get('fortran_order');
  if (fortran?.type === 'bool') facts.fortranOrder = fortran.value;
  else add('NUMPY_FORTRAN_ORDER_INVALID', `fortran_order is ${fortran ? showPy(fortran) : 'missing'}`);

  const shape = get('shape');
  if (shape?.type === 'tuple' && shape.items.every((d) => d.type === 'int' && d.value >= 0n && d.value <= BigInt(Number.MAX_SAFE_INTEGER))) {
    facts.shape = shape.items.map((d) => Number((d as { value: bigint }).value));
  } else {
    add('NUMPY_SHAPE_INVALID', `shape is ${shape ? showPy(shape).slice(0, 200) : 'missing'}`);
  }

  const descr = get('descr');
  if (!descr) {
    add('NUMPY_DTYPE_INVALID', 'descr is missing');
    return undefined;
  }
  facts.descr = descr.type === 'str' ? descr.value : showPy(descr).slice(0, 1000);
  try {
    return interpretDescr(descr);
  } catch (error) {
    if (!(error instanceof DtypeError)) throw error;
    add('NUMPY_DTYPE_INVALID', error.message, { descr: facts.descr });
    return undefined;
  }
}

export const numpyScanner: FormatScanner<NumpyFacts> = { format: 'numpy', scan };
