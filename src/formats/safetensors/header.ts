import { dtypeBits } from './dtypes.js';
import type { SafetensorsCode } from './codes.js';
import { JsonNumber, JsonObject, type JsonValue } from './strict-json.js';

export interface HeaderIssue {
  code: SafetensorsCode;
  message: string;
  evidence: Record<string, unknown>;
}

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: bigint[];
  begin: bigint;
  end: bigint;
}

export interface HeaderAnalysis {
  tensors: TensorEntry[];
  metadata: Record<string, string> | null;
  issues: HeaderIssue[];
}

const TENSOR_KEYS = ['dtype', 'shape', 'data_offsets'];
const U64_MAX = (1n << 64n) - 1n;
const MAX_ISSUES_PER_CODE = 20;

/** A non-negative integer literal that fits in a u64, else undefined (usize rules of the reference reader). */
function asU64(value: JsonValue | undefined): bigint | undefined {
  if (!(value instanceof JsonNumber) || !value.isIntegerLiteral || value.raw.startsWith('-')) return undefined;
  const n = BigInt(value.raw);
  return n <= U64_MAX ? n : undefined;
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return `number ${value.raw}`;
  if (value instanceof JsonObject) return 'object';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Checks a parsed header against the rules of the reference implementation (huggingface/safetensors
 * `Metadata::validate` + `read_metadata`) and a few stricter ones (extra keys). `bufferSize` is the byte
 * count after the header.
 */
export function analyseHeader(root: JsonObject, bufferSize: bigint): HeaderAnalysis {
  const issues: HeaderIssue[] = [];
  const perCode = new Map<string, number>();
  const issue = (code: SafetensorsCode, message: string, evidence: Record<string, unknown> = {}) => {
    const seen = perCode.get(code) ?? 0;
    perCode.set(code, seen + 1);
    if (seen < MAX_ISSUES_PER_CODE) issues.push({ code, message, evidence });
  };

  let metadata: Record<string, string> | null = null;
  const tensors: TensorEntry[] = [];

  for (const [name, value] of root.entries) {
    if (name === '__metadata__') {
      if (value === null) continue;
      if (!(value instanceof JsonObject)) {
        issue('SAFETENSORS_METADATA_INVALID', `__metadata__ is ${describe(value)}, not an object`, { found: describe(value) });
        continue;
      }
      const map: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of value.entries) {
        if (typeof v !== 'string') {
          issue('SAFETENSORS_METADATA_INVALID', `__metadata__.${k} is ${describe(v)}, not a string`, { key: k, found: describe(v) });
        } else if (!(k in map)) {
          map[k] = v;
        }
      }
      metadata = map;
      continue;
    }
    const tensor = checkTensor(name, value, issue);
    if (tensor) tensors.push(tensor);
  }

  checkLayout(tensors, bufferSize, issue);
  return { tensors, metadata, issues };
}

type IssueSink = (code: SafetensorsCode, message: string, evidence?: Record<string, unknown>) => void;

function checkTensor(name: string, value: JsonValue, issue: IssueSink): TensorEntry | undefined {
  if (!(value instanceof JsonObject)) {
    issue('SAFETENSORS_TENSOR_INVALID', `tensor ${JSON.stringify(name)} is ${describe(value)}, not an object`, { tensor: name });
    return undefined;
  }
  const extra = value.keys().filter((k) => !TENSOR_KEYS.includes(k));
  if (extra.length > 0) {
    issue('SAFETENSORS_TENSOR_EXTRA_KEY', `tensor ${JSON.stringify(name)} has unexpected keys ${extra.slice(0, 10).join(', ')}`, {
      tensor: name,
      keys: extra.slice(0, 10),
    });
  }
  const missing = TENSOR_KEYS.filter((k) => value.get(k) === undefined);
  if (missing.length > 0) {
    issue('SAFETENSORS_TENSOR_INVALID', `tensor ${JSON.stringify(name)} lacks ${missing.join(', ')}`, { tensor: name, missing });
    return undefined;
  }

  let ok = true;
  const dtype = value.get('dtype');
  const bits = typeof dtype === 'string' ? dtypeBits(dtype) : undefined;
  if (typeof dtype !== 'string' || bits === undefined) {
    issue('SAFETENSORS_UNKNOWN_DTYPE', `tensor ${JSON.stringify(name)} has dtype ${typeof dtype === 'string' ? JSON.stringify(dtype) : describe(dtype)}`, {
      tensor: name,
      dtype: typeof dtype === 'string' ? dtype.slice(0, 64) : describe(dtype),
    });
    ok = false;
  }

  const rawShape = value.get('shape');
  const shape: bigint[] = [];
  if (!Array.isArray(rawShape)) {
    issue('SAFETENSORS_SHAPE_INVALID', `tensor ${JSON.stringify(name)} shape is ${describe(rawShape)}, not a list`, { tensor: name });
    ok = false;
  } else {
    for (const dim of rawShape) {
      const n = asU64(dim);
      if (n === undefined) {
        issue('SAFETENSORS_SHAPE_INVALID', `tensor ${JSON.stringify(name)} has shape entry ${describe(dim)}`, { tensor: name, entry: describe(dim) });
        ok = false;
        break;
      }
      shape.push(n);
    }
  }

  const offsets = value.get('data_offsets');
  const begin = Array.isArray(offsets) && offsets.length === 2 ? asU64(offsets[0]) : undefined;
  const end = Array.isArray(offsets) && offsets.length === 2 ? asU64(offsets[1]) : undefined;
  if (begin === undefined || end === undefined || end < begin) {
    issue('SAFETENSORS_OFFSETS_INVALID', `tensor ${JSON.stringify(name)} data_offsets are not an ordered [begin, end] pair`, { tensor: name });
    return undefined;
  }
  if (!ok || bits === undefined) return undefined;

  const elements = shape.reduce((a, b) => a * b, 1n);
  const totalBits = elements * BigInt(bits);
  if (elements > U64_MAX || totalBits > U64_MAX) {
    issue('SAFETENSORS_SIZE_OVERFLOW', `tensor ${JSON.stringify(name)} shape overflows 64 bits`, { tensor: name });
  } else if (totalBits % 8n !== 0n) {
    issue('SAFETENSORS_SUBBYTE_MISALIGNED', `tensor ${JSON.stringify(name)} (${dtype}) holds ${totalBits} bits, not whole bytes`, {
      tensor: name,
      bits: totalBits.toString(),
    });
  } else if (totalBits / 8n !== end - begin) {
    issue('SAFETENSORS_SIZE_MISMATCH', `tensor ${JSON.stringify(name)} spans ${end - begin} bytes but ${dtype}${JSON.stringify(shape.map(Number))} needs ${totalBits / 8n}`, {
      tensor: name,
      dtype,
      shape: shape.map(String),
      span: (end - begin).toString(),
      expected: (totalBits / 8n).toString(),
    });
  }
  return { name, dtype: dtype as string, shape, begin, end };
}

function checkLayout(tensors: TensorEntry[], bufferSize: bigint, issue: IssueSink): void {
  const sorted = [...tensors].sort((a, b) => (a.begin === b.begin ? cmp(a.end, b.end) : cmp(a.begin, b.begin)));
  let cursor = 0n;
  let previous: TensorEntry | undefined;
  for (const t of sorted) {
    if (t.begin > cursor) {
      if (previous === undefined) {
        issue('SAFETENSORS_DATA_NOT_AT_ZERO', `first tensor ${JSON.stringify(t.name)} starts at ${t.begin}, not 0`, { tensor: t.name, begin: t.begin.toString() });
      } else {
        issue('SAFETENSORS_DATA_GAP', `${t.begin - cursor} unreferenced bytes between ${JSON.stringify(previous.name)} and ${JSON.stringify(t.name)}`, {
          after: previous.name,
          before: t.name,
          gap: (t.begin - cursor).toString(),
        });
      }
    } else if (t.begin < cursor && previous !== undefined) {
      issue('SAFETENSORS_DATA_OVERLAP', `tensor ${JSON.stringify(t.name)} overlaps ${JSON.stringify(previous.name)}`, {
        tensor: t.name,
        other: previous.name,
        begin: t.begin.toString(),
        previousEnd: cursor.toString(),
      });
    }
    if (t.end > cursor) {
      cursor = t.end;
      previous = t;
    }
  }
  if (cursor < bufferSize) {
    issue('SAFETENSORS_TRAILING_BYTES', `${bufferSize - cursor} bytes after the last tensor are not covered by the header`, {
      covered: cursor.toString(),
      buffer: bufferSize.toString(),
    });
  } else if (cursor > bufferSize) {
    issue('SAFETENSORS_BUFFER_SHORT', `tensors need ${cursor} data bytes but the file holds ${bufferSize}`, {
      needed: cursor.toString(),
      buffer: bufferSize.toString(),
    });
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
