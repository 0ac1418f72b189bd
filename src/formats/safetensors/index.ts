import { makeFinding, type Finding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, ScanContext } from '../types.js';
import { SAFETENSORS_CODES, type SafetensorsCode } from './codes.js';
import { analyseHeader } from './header.js';
import { JsonObject, JsonSyntaxError, parseStrictJson } from './strict-json.js';

export { SAFETENSORS_CODES } from './codes.js';
export { SAFETENSORS_DTYPE_BITS } from './dtypes.js';

export interface SafetensorsFacts {
  /** The 8-byte little-endian prefix N (bytes of JSON header). */
  headerLength: number;
  tensorCount: number;
  /** dtype -> number of tensors. */
  dtypes: Record<string, number>;
  /** `__metadata__` (first keys, values cut to 1 KiB), or null when absent. */
  metadata: Record<string, string> | null;
  totalParameters: number;
}

const MAX_METADATA_KEYS = 100;
const MAX_METADATA_VALUE = 1024;
/** Largest header length a sniffer calls plausible (no real header is a terabyte). */
const SNIFF_MAX_HEADER = 2 ** 40;

/** The 8-byte length is plausible and the JSON header opens with `{` (after optional whitespace). */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 10 || size < 10) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = view.getBigUint64(0, true);
  if (n < 2n || n >= BigInt(SNIFF_MAX_HEADER)) return false;
  let i = 8;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] !== 0x7b) return false;
  i++;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i >= head.length || head[i] === 0x22 || head[i] === 0x7d;
}

function emptyFacts(headerLength = 0): SafetensorsFacts {
  return { headerLength, tensorCount: 0, dtypes: {}, metadata: null, totalParameters: 0 };
}

async function scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<SafetensorsFacts>> {
  const findings: Finding[] = [];
  const add = (code: SafetensorsCode, message: string, evidence: Record<string, unknown> = {}) =>
    findings.push(makeFinding(SAFETENSORS_CODES, code, ctx, `${source.label}: ${message}`, evidence));
  const report = (facts: SafetensorsFacts): FormatReport<SafetensorsFacts> => ({ format: 'safetensors', facts, findings, children: [] });

  if (source.size < 8) {
    add('SAFETENSORS_TOO_SMALL', `${source.size} bytes, shorter than the 8-byte header length`, { size: source.size });
    return report(emptyFacts());
  }
  const prefix = await source.read(0, 8);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  const headerLength = Number(n);
  if (n > BigInt(ctx.limits.maxHeaderBytes)) {
    add('SAFETENSORS_HEADER_TOO_LARGE', `header length ${n} exceeds the ${ctx.limits.maxHeaderBytes}-byte limit`, {
      headerLength: n.toString(),
      limit: ctx.limits.maxHeaderBytes,
    });
    return report(emptyFacts(headerLength));
  }
  if (n > BigInt(source.size - 8)) {
    add('SAFETENSORS_HEADER_BEYOND_FILE', `header length ${n} runs past the end of the ${source.size}-byte file`, {
      headerLength: n.toString(),
      size: source.size,
    });
    return report(emptyFacts(headerLength));
  }

  const bytes = await source.read(8, headerLength);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    add('SAFETENSORS_HEADER_NOT_UTF8', 'header bytes are not valid UTF-8');
    return report(emptyFacts(headerLength));
  }

  let parsed;
  try {
    parsed = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    add('SAFETENSORS_HEADER_INVALID_JSON', `header is not valid JSON: ${error.message}`, { offset: error.offset });
    return report(emptyFacts(headerLength));
  }
  // The reference writer pads with trailing spaces only; anything else is a hand-made header.
  if (parsed.start !== 0 || /[^ ]/.test(text.slice(parsed.end))) {
    add('SAFETENSORS_HEADER_NONCANONICAL', 'header has leading whitespace or non-space trailing padding', {
      leading: parsed.start,
      trailing: text.length - parsed.end,
    });
  }
  for (const dup of parsed.duplicates) {
    add('SAFETENSORS_DUPLICATE_KEY', `header repeats key ${JSON.stringify(dup.key)} in ${dup.path}`, { key: dup.key, path: dup.path });
  }
  if (!(parsed.value instanceof JsonObject)) {
    add('SAFETENSORS_HEADER_NOT_OBJECT', 'header JSON is not an object');
    return report(emptyFacts(headerLength));
  }

  const analysis = analyseHeader(parsed.value, BigInt(source.size - 8 - headerLength));
  for (const i of analysis.issues) add(i.code, i.message, i.evidence);

  const dtypes: Record<string, number> = {};
  let parameters = 0n;
  for (const t of analysis.tensors) {
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
    parameters += t.shape.reduce((a, b) => a * b, 1n);
  }
  return report({
    headerLength,
    tensorCount: analysis.tensors.length,
    dtypes,
    metadata: boundMetadata(analysis.metadata),
    totalParameters: Number(parameters),
  });
}

function boundMetadata(metadata: Record<string, string> | null): Record<string, string> | null {
  if (metadata === null) return null;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(metadata).slice(0, MAX_METADATA_KEYS)) {
    const value = metadata[key]!;
    out[key.slice(0, 256)] = value.length > MAX_METADATA_VALUE ? `${value.slice(0, MAX_METADATA_VALUE)}…` : value;
  }
  return out;
}

export const safetensorsScanner: FormatScanner<SafetensorsFacts> = { format: 'safetensors', scan };
