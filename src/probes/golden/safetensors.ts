import { analyseHeader } from '../../formats/safetensors/header.js';
import { JsonObject, JsonSyntaxError, parseStrictJson } from '../../formats/safetensors/strict-json.js';
import { GoldenSetError, MAX_HEADER_BYTES } from './errors.js';
import type { RawArray, StoredDtype } from './raw-array.js';

const DTYPES: Record<string, StoredDtype> = { F32: 'f32', F64: 'f64', U8: 'u8', I8: 'i8', I16: 'i16', I32: 'i32', I64: 'i64' };

/**
 * The named tensors of a .safetensors file, checked by the repo's strict JSON parser and header rules
 * (duplicate keys, overlaps, gaps, sizes): any issue refuses the file.
 */
export function readSafetensorsArrays(bytes: Uint8Array, label: string, names: string[]): Map<string, RawArray> {
  const fail = (message: string): never => {
    throw new GoldenSetError('GOLDEN_SAFETENSORS_INVALID', `${label}: ${message}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds ${MAX_HEADER_BYTES}`);
  if (n > BigInt(bytes.length - 8)) fail(`header length ${n} runs past the end of the file`);
  const headerEnd = 8 + Number(n);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, headerEnd));
  } catch {
    fail('header is not valid UTF-8');
  }
  let parsed: ReturnType<typeof parseStrictJson> | undefined;
  try {
    parsed = parseStrictJson(text, { maxDepth: 16 });
  } catch (error) {
    if (error instanceof JsonSyntaxError) fail(`header is not JSON (${error.message})`);
    throw error;
  }
  if (parsed!.duplicates.length > 0) fail(`header repeats the key ${JSON.stringify(parsed!.duplicates[0]!.key.slice(0, 60))}`);
  if (!(parsed!.value instanceof JsonObject)) return fail('header is not a JSON object');
  const analysis = analyseHeader(parsed!.value, BigInt(bytes.length - headerEnd));
  if (analysis.issues.length > 0) fail(analysis.issues[0]!.message);
  const out = new Map<string, RawArray>();
  for (const name of names) {
    const t = analysis.tensors.find((x) => x.name === name);
    if (!t) {
      throw new GoldenSetError('GOLDEN_MEMBER_MISSING', `${label}: no tensor ${JSON.stringify(name)} (tensors: ${analysis.tensors.slice(0, 8).map((x) => JSON.stringify(x.name.slice(0, 60))).join(', ') || 'none'})`);
    }
    const dtype = DTYPES[t.dtype];
    if (!dtype) throw new GoldenSetError('GOLDEN_DTYPE_UNSUPPORTED', `${label}: tensor ${name} is ${t.dtype}, not one of ${Object.keys(DTYPES).join(', ')}`);
    if (t.shape.length > 8 || t.shape.some((d) => d > 2n ** 32n)) fail(`tensor ${name} shape [${t.shape.join(', ')}] is out of bounds`);
    out.set(name, { dtype, shape: t.shape.map(Number), data: bytes.subarray(headerEnd + Number(t.begin), headerEnd + Number(t.end)) });
  }
  return out;
}
