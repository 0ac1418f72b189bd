import { createHash } from 'node:crypto';
import { FormatError } from '../../core/errors.js';
import { makeFinding, type Finding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, ScanContext } from '../types.js';
import { analyseChatTemplate } from './chat-template.js';
import { GGUF_CODES, type GgufCode } from './codes.js';
import { FIXED_WIDTH, GGML_TYPES, GGUF_VALUE_TYPES as T, TYPE_NAMES } from './ggml-types.js';
import { EndOfData, SourceReader } from './reader.js';

export { GGUF_CODES } from './codes.js';
export { analyseChatTemplate, type TemplateAnalysis } from './chat-template.js';

export interface GgufFacts {
  version: number | null;
  bigEndian: boolean;
  tensorCount: number;
  kvCount: number;
  architecture: string | null;
  alignment: number;
  /** Metadata keys in file order (first 1000). */
  metadataKeys: string[];
  /** Short scalar `general.*` values. */
  general: Record<string, string | number | boolean>;
  chatTemplates: Array<{ key: string; length: number; sha256: string; dangerous: boolean }>;
  /** ggml type name -> tensor count. */
  tensorTypes: Record<string, number>;
  dataOffset: number;
}

const MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"
const MAX_KEYS_IN_FACTS = 1000;
const MAX_ARRAY_NESTING = 3;
const MAX_DIMS = 4;
const MAX_NAME = 64;
const INT64_MAX = (1n << 63n) - 1n;

export function looksLikeGguf(head: Uint8Array): boolean {
  return head.length >= 4 && MAGIC.every((b, i) => head[i] === b);
}

type Scalar = string | number | bigint | boolean;
interface Summary {
  type: number;
  value?: Scalar;
}

class Parser {
  readonly findings: Finding[] = [];
  constructor(
    readonly reader: SourceReader,
    readonly ctx: ScanContext,
    readonly label: string,
    readonly facts: GgufFacts,
  ) {}

  add(code: GgufCode, message: string, evidence: Record<string, unknown> = {}) {
    this.findings.push(makeFinding(GGUF_CODES, code, this.ctx, `${this.label}: ${message}`, evidence));
  }

  private async length(): Promise<bigint> {
    return this.facts.version === 1 ? BigInt(await this.reader.u32()) : this.reader.u64();
  }

  async string(what: string): Promise<string> {
    const at = this.reader.pos;
    const n = await this.length();
    if (n > BigInt(this.reader.remaining)) throw new FormatError('GGUF_TRUNCATED', `${what} length ${n} runs past the end of the file`, at);
    if (n > BigInt(this.ctx.limits.maxHeaderBytes)) throw new FormatError('GGUF_METADATA_INVALID', `${what} length ${n} exceeds the header limit`, at);
    return new TextDecoder('utf-8').decode(await this.reader.bytes(Number(n)));
  }

  private async skipString(): Promise<void> {
    const at = this.reader.pos;
    const n = await this.length();
    if (n > BigInt(this.reader.remaining)) throw new FormatError('GGUF_TRUNCATED', `array string length ${n} runs past the end of the file`, at);
    this.reader.skip(Number(n));
  }

  async value(type: number, depth: number, keepString: boolean): Promise<Summary> {
    const r = this.reader;
    switch (type) {
      case T.UINT8: return { type, value: await r.u8() };
      case T.INT8: return { type, value: await r.i8() };
      case T.UINT16: return { type, value: await r.u16() };
      case T.INT16: return { type, value: await r.i16() };
      case T.UINT32: return { type, value: await r.u32() };
      case T.INT32: return { type, value: await r.i32() };
      case T.FLOAT32: return { type, value: await r.f32() };
      case T.FLOAT64: return { type, value: await r.f64() };
      case T.UINT64: return { type, value: await r.u64() };
      case T.INT64: return { type, value: await r.i64() };
      case T.BOOL: {
        const b = await r.u8();
        if (b > 1) throw new FormatError('GGUF_METADATA_INVALID', `bool value ${b}`, r.pos - 1);
        return { type, value: b === 1 };
      }
      case T.STRING:
        if (keepString) return { type, value: await this.string('string value') };
        await this.skipString();
        return { type };
      case T.ARRAY: {
        if (depth >= MAX_ARRAY_NESTING) throw new FormatError('GGUF_METADATA_INVALID', 'arrays nested too deeply', r.pos);
        const at = r.pos;
        const elementType = await r.u32();
        const count = await this.length();
        const width = FIXED_WIDTH[elementType];
        if (width !== undefined) {
          if (count * BigInt(width) > BigInt(r.remaining)) throw new FormatError('GGUF_TRUNCATED', `array of ${count} ${TYPE_NAMES[elementType]} runs past the end of the file`, at);
          r.skip(Number(count) * width);
        } else if (elementType === T.STRING || elementType === T.ARRAY) {
          // Every element takes at least 4 bytes, so a count beyond that cannot be real.
          if (count * 4n > BigInt(r.remaining)) throw new FormatError('GGUF_TRUNCATED', `array of ${count} elements runs past the end of the file`, at);
          for (let i = 0n; i < count; i++) {
            if (elementType === T.STRING) await this.skipString();
            else await this.value(T.ARRAY, depth + 1, false);
          }
        } else {
          throw new FormatError('GGUF_METADATA_INVALID', `array element type ${elementType} is unknown`, at);
        }
        return { type, value: `array<${TYPE_NAMES[elementType]}>[${count}]` };
      }
      default:
        throw new FormatError('GGUF_METADATA_INVALID', `value type ${type} is unknown`, r.pos - 4);
    }
  }
}

function emptyFacts(): GgufFacts {
  return { version: null, bigEndian: false, tensorCount: 0, kvCount: 0, architecture: null, alignment: 32, metadataKeys: [], general: {}, chatTemplates: [], tensorTypes: {}, dataOffset: 0 };
}

async function scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<GgufFacts>> {
  const facts = emptyFacts();
  const reader = new SourceReader(source);
  const p = new Parser(reader, ctx, source.label, facts);
  try {
    await parse(p);
  } catch (error) {
    if (error instanceof EndOfData) p.add('GGUF_TRUNCATED', `file ends at offset ${error.offset} inside the GGUF structures`, { offset: error.offset });
    else if (error instanceof FormatError && error.code in GGUF_CODES) p.add(error.code as GgufCode, `${error.message} (offset ${error.offset})`, { offset: error.offset });
    else throw error;
  }
  return { format: 'gguf', facts, findings: p.findings, children: [] };
}

async function parse(p: Parser): Promise<void> {
  const { reader: r, facts } = p;
  const magic = await r.bytes(4);
  if (!looksLikeGguf(magic)) {
    p.add('GGUF_BAD_MAGIC', 'missing GGUF magic');
    return;
  }
  let version = await r.u32();
  if ((version & 0xffff) === 0 && version !== 0) {
    // A big-endian file (v3 allows it) reads as 0x03000000 little-endian.
    r.littleEndian = false;
    r.pos -= 4;
    version = await r.u32();
    facts.bigEndian = true;
  }
  if (version < 1 || version > 3) {
    p.add('GGUF_UNSUPPORTED_VERSION', `version ${version}`, { version });
    return;
  }
  facts.version = version;
  const tensorCount = version === 1 ? BigInt(await r.u32()) : await r.u64();
  const kvCount = version === 1 ? BigInt(await r.u32()) : await r.u64();
  const minKv = version === 1 ? 9n : 13n;
  const minTensor = version === 1 ? 20n : 24n;
  if (kvCount * minKv + tensorCount * minTensor > BigInt(r.remaining)) {
    p.add('GGUF_COUNT_IMPLAUSIBLE', `${tensorCount} tensors and ${kvCount} metadata entries cannot fit in ${r.remaining} bytes`, {
      tensorCount: tensorCount.toString(),
      kvCount: kvCount.toString(),
    });
    return;
  }
  facts.tensorCount = Number(tensorCount);
  facts.kvCount = Number(kvCount);

  const keys = new Set<string>();
  for (let i = 0n; i < kvCount; i++) {
    const key = await p.string('metadata key');
    const type = await r.u32();
    const wantsString = key.startsWith('tokenizer.chat_template') || key.startsWith('general.');
    const value = await p.value(type, 0, wantsString);
    if (keys.has(key)) p.add('GGUF_DUPLICATE_KEY', `metadata key ${JSON.stringify(key)} appears twice`, { key });
    keys.add(key);
    if (facts.metadataKeys.length < MAX_KEYS_IN_FACTS) facts.metadataKeys.push(key);
    onMetadata(p, key, value);
  }

  const names = new Set<string>();
  const tensors: Array<{ name: string; offset: bigint; nbytes: bigint }> = [];
  for (let i = 0n; i < tensorCount; i++) {
    const name = await p.string('tensor name');
    const nDims = await r.u32();
    if (nDims > MAX_DIMS) throw new FormatError('GGUF_TENSOR_INVALID', `tensor ${JSON.stringify(name.slice(0, 80))} has ${nDims} dims (max ${MAX_DIMS})`, r.pos - 4);
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await r.u64());
    const typeId = await r.u32();
    const offset = await r.u64();
    if (names.has(name)) p.add('GGUF_DUPLICATE_TENSOR', `tensor name ${JSON.stringify(name.slice(0, 80))} appears twice`, { tensor: name.slice(0, 80) });
    names.add(name);
    if (new TextEncoder().encode(name).length >= MAX_NAME) p.add('GGUF_TENSOR_INVALID', `tensor name longer than ${MAX_NAME - 1} bytes`, { tensor: name.slice(0, 80) });
    const type = GGML_TYPES[typeId];
    if (!type) {
      p.add('GGUF_UNKNOWN_TENSOR_TYPE', `tensor ${JSON.stringify(name.slice(0, 80))} has ggml type ${typeId}`, { tensor: name.slice(0, 80), type: typeId });
      continue;
    }
    facts.tensorTypes[type[0]] = (facts.tensorTypes[type[0]] ?? 0) + 1;
    const elements = dims.reduce((a, b) => a * b, 1n);
    if (elements > INT64_MAX || dims.some((d) => d > INT64_MAX)) {
      p.add('GGUF_TENSOR_INVALID', `tensor ${JSON.stringify(name.slice(0, 80))} shape overflows int64`, { tensor: name.slice(0, 80) });
      continue;
    }
    if ((dims[0] ?? 1n) % BigInt(type[1]) !== 0n) {
      p.add('GGUF_TENSOR_INVALID', `tensor ${JSON.stringify(name.slice(0, 80))} first dim ${dims[0]} is not a multiple of the ${type[0]} block size ${type[1]}`, {
        tensor: name.slice(0, 80),
      });
      continue;
    }
    tensors.push({ name, offset, nbytes: (elements / BigInt(type[1])) * BigInt(type[2]) });
  }

  const alignment = BigInt(facts.alignment);
  const pad = (n: bigint) => ((n + alignment - 1n) / alignment) * alignment;
  const dataStart = pad(BigInt(r.pos));
  facts.dataOffset = Number(dataStart);
  let expected = 0n;
  let reported = 0;
  let end = dataStart;
  for (const t of tensors) {
    if (t.offset !== expected && reported++ < 10) {
      p.add('GGUF_TENSOR_OFFSET', `tensor ${JSON.stringify(t.name.slice(0, 80))} is at data offset ${t.offset}, the aligned contiguous layout puts it at ${expected}`, {
        tensor: t.name.slice(0, 80),
        offset: t.offset.toString(),
        expected: expected.toString(),
      });
    }
    const tensorEnd = dataStart + t.offset + t.nbytes;
    if (tensorEnd > end) end = tensorEnd;
    expected = pad((t.offset > expected ? t.offset : expected) + t.nbytes);
  }
  if (tensors.length === 0) return;
  if (end > BigInt(r.size)) {
    p.add('GGUF_TRUNCATED', `tensor data needs ${end} bytes but the file has ${r.size}`, { needed: end.toString(), size: r.size });
  } else if (BigInt(r.size) > pad(end)) {
    p.add('GGUF_TRAILING_DATA', `${BigInt(r.size) - pad(end)} bytes follow the last tensor`, { bytes: (BigInt(r.size) - pad(end)).toString() });
  }
}

function onMetadata(p: Parser, key: string, value: Summary): void {
  const { facts } = p;
  if (key === 'general.alignment') {
    const a = value.value;
    if (value.type !== T.UINT32 || typeof a !== 'number' || a === 0 || (a & (a - 1)) !== 0) {
      throw new FormatError('GGUF_ALIGNMENT_INVALID', `general.alignment is ${TYPE_NAMES[value.type]} ${String(a)}`, p.reader.pos);
    }
    facts.alignment = a;
  }
  if (key === 'general.architecture' && typeof value.value === 'string') facts.architecture = value.value.slice(0, 128);
  if (key.startsWith('general.') && value.value !== undefined && Object.keys(facts.general).length < 50) {
    const v = value.value;
    facts.general[key.slice(0, 128)] = typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v.slice(0, 256) : v;
  }
  if (key.startsWith('tokenizer.chat_template')) {
    if (typeof value.value !== 'string') {
      if (value.type !== T.ARRAY) p.add('GGUF_METADATA_INVALID', `${key} is ${TYPE_NAMES[value.type]}, not a string`, { key });
      return;
    }
    const template = value.value;
    const analysis = analyseChatTemplate(template);
    const sha256 = createHash('sha256').update(template).digest('hex');
    facts.chatTemplates.push({ key, length: template.length, sha256, dangerous: analysis.dangerous });
    if (analysis.dangerous) {
      p.add('GGUF_CHAT_TEMPLATE_INJECTION', `${key} matches Jinja2 sandbox-escape patterns: ${analysis.hits.map((h) => h.rule).join(', ')}`, {
        key,
        sha256,
        hits: analysis.hits,
      });
    } else {
      p.add('GGUF_CHAT_TEMPLATE', `${key} is a ${template.length}-character Jinja2 template rendered by loaders`, { key, sha256, length: template.length });
    }
  }
}

export const ggufScanner: FormatScanner<GgufFacts> = { format: 'gguf', scan };
