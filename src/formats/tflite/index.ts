import { FormatError } from '../../core/errors.js';
import { makeFinding, type Finding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, ScanContext } from '../types.js';
import { TFLITE_CODES, type TfliteCode } from './codes.js';
import { FlatReader } from './flatbuffer.js';

export { TFLITE_CODES } from './codes.js';

export interface TfliteFacts {
  schemaVersion: number | null;
  description: string | null;
  /** One entry per operator code: builtin number (32 = CUSTOM), custom name, op version. */
  operatorCodes: Array<{ builtin: number; custom: string | null; version: number }>;
  customOps: string[];
  subgraphCount: number;
  bufferCount: number;
}

const BUILTIN_CUSTOM = 32;
const MAX_OPERATOR_CODES = 100_000;
const MAX_STRING = 64 * 1024;
// Model table fields (tensorflow/lite/schema/schema.fbs).
const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4 };
const OPERATOR_CODE = { deprecatedBuiltin: 0, customCode: 1, version: 2, builtin: 3 };

export function looksLikeTflite(head: Uint8Array): boolean {
  return head.length >= 8 && head[4] === 0x54 && head[5] === 0x46 && head[6] === 0x4c && head[7] === 0x33; // "TFL3"
}

async function scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<TfliteFacts>> {
  const findings: Finding[] = [];
  const facts: TfliteFacts = { schemaVersion: null, description: null, operatorCodes: [], customOps: [], subgraphCount: 0, bufferCount: 0 };
  const add = (code: TfliteCode, message: string, evidence: Record<string, unknown> = {}) =>
    findings.push(makeFinding(TFLITE_CODES, code, ctx, `${source.label}: ${message}`, evidence));
  try {
    const head = await source.read(0, 8);
    if (!looksLikeTflite(head)) {
      add('TFLITE_BAD_IDENTIFIER', 'file identifier at offset 4 is not TFL3');
      return { format: 'tflite', facts, findings, children: [] };
    }
    await readModel(new FlatReader(source), facts);
    if (facts.customOps.length > 0) {
      add('TFLITE_CUSTOM_OP', `custom operators ${facts.customOps.slice(0, 20).join(', ')} need a native op resolver (or the Flex delegate)`, {
        customOps: facts.customOps.slice(0, 100),
        flex: facts.customOps.some((n) => n.startsWith('Flex')),
      });
    }
  } catch (error) {
    if (!(error instanceof FormatError) || !(error.code in TFLITE_CODES)) throw error;
    add(error.code as TfliteCode, `${error.message} (offset ${error.offset})`, { offset: error.offset });
  }
  return { format: 'tflite', facts, findings, children: [] };
}

async function readModel(r: FlatReader, facts: TfliteFacts): Promise<void> {
  const model = await r.deref(0);
  const version = await r.field(model, MODEL.version);
  if (version !== undefined) facts.schemaVersion = await r.u32(version);
  const description = await r.field(model, MODEL.description);
  if (description !== undefined) facts.description = (await r.string(description, MAX_STRING)).slice(0, 256);
  const subgraphs = await r.field(model, MODEL.subgraphs);
  if (subgraphs !== undefined) facts.subgraphCount = (await r.vector(subgraphs, 4, MAX_OPERATOR_CODES)).length;
  const buffers = await r.field(model, MODEL.buffers);
  if (buffers !== undefined) facts.bufferCount = (await r.vector(buffers, 4, 10_000_000)).length;

  const codes = await r.field(model, MODEL.operatorCodes);
  if (codes === undefined) return;
  const { start, length } = await r.vector(codes, 4, MAX_OPERATOR_CODES);
  const custom = new Set<string>();
  for (let i = 0; i < length; i++) {
    const table = await r.deref(start + 4 * i);
    const deprecated = await r.field(table, OPERATOR_CODE.deprecatedBuiltin);
    const builtinField = await r.field(table, OPERATOR_CODE.builtin);
    const versionField = await r.field(table, OPERATOR_CODE.version);
    const customField = await r.field(table, OPERATOR_CODE.customCode);
    // TFLite takes the larger of the legacy int8 code and the int32 code.
    const builtin = Math.max(deprecated === undefined ? 0 : await r.i8(deprecated), builtinField === undefined ? 0 : await r.i32(builtinField));
    const name = customField === undefined ? null : await r.string(customField, MAX_STRING);
    if (facts.operatorCodes.length < 1000) {
      facts.operatorCodes.push({ builtin, custom: name?.slice(0, 128) ?? null, version: versionField === undefined ? 1 : await r.i32(versionField) });
    }
    if (builtin === BUILTIN_CUSTOM) custom.add((name ?? '<unnamed>').slice(0, 128));
  }
  facts.customOps = [...custom];
}

export const tfliteScanner: FormatScanner<TfliteFacts> = { format: 'tflite', scan };
