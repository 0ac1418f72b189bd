import type protobuf from 'protobufjs';
import { FormatError } from '../../core/errors.js';
import { decodeLeaf, messageName, validateMessage } from './leaf.js';
import { onnxType, type OnnxMessageName } from './schema.js';
import type { WalkState } from './state.js';
import { FIELD_HEADER_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireCursor, decodeUtf8, wireMatches } from './wire.js';

/** Longest single string (name, op_type, domain) read into memory. */
const MAX_STRING_BYTES = 1024 * 1024;
/** Longest leaf message (ValueInfoProto, StringStringEntryProto, ...) read into memory. */
const MAX_LEAF_BYTES = 64 * 1024 * 1024;

export interface FieldAt {
  field: protobuf.Field;
  number: number;
  wire: number;
  /** File offset of the tag. */
  at: number;
  /** For length-delimited fields: [start, end) of the payload. */
  start: number;
  end: number;
  /** For varint / fixed fields: the value. */
  value: number;
}

export type Visit = (f: FieldAt) => void | Promise<void>;

export type Range = [number, number];

/**
 * Walks the fields of one message in [cur.pos, end). Length-delimited payloads a visitor does not
 * consume are skipped without being read; wire types are checked against the schema; unknown
 * fields and repeated singular fields are recorded.
 */
export async function forFields(cur: WireCursor, end: number, typeName: OnnxMessageName, state: WalkState, depth: number, visit: Visit): Promise<void> {
  state.checkDepth(depth, cur.pos);
  const type = onnxType(typeName);
  const seen = new Set<number>();
  while (cur.pos < end) {
    if (!cur.has(FIELD_HEADER_BYTES)) await cur.need(FIELD_HEADER_BYTES);
    const at = cur.pos;
    const { field: number, wire } = cur.tag();
    if (number === 0) throw new FormatError('ONNX_MALFORMED', `${typeName}: field number 0 at byte ${at}`, at);
    let start = 0;
    let stop = 0;
    let value = 0;
    if (wire === WIRE_VARINT) value = cur.int64();
    else if (wire === WIRE_FIXED64) value = cur.double();
    else if (wire === WIRE_FIXED32) value = cur.float();
    else if (wire === WIRE_LEN) {
      const length = cur.length();
      start = cur.pos;
      stop = start + length;
      if (stop > cur.size) {
        throw new FormatError('ONNX_TRUNCATED', `${typeName}: a ${length}-byte field at byte ${at} runs past the end of the data`, at);
      }
    } else {
      throw new FormatError('ONNX_MALFORMED', `${typeName}: unsupported wire type ${wire} at byte ${at}`, at);
    }
    const fieldEnd = wire === WIRE_LEN ? stop : cur.pos;
    if (fieldEnd > end) throw new FormatError('ONNX_MALFORMED', `${typeName}: field at byte ${at} crosses the end of its message`, at);
    state.charge(start > 0 ? start - at : fieldEnd - at, at);
    const field = type.fieldsById[number];
    if (!field) {
      state.unknownField(typeName, number, at);
      cur.pos = fieldEnd;
      continue;
    }
    if (!wireMatches(field, wire)) {
      throw new FormatError('ONNX_MALFORMED', `${typeName}.${field.name}: wire type ${wire} does not match its type ${field.type} at byte ${at}`, at);
    }
    if (!field.repeated) {
      if (seen.has(number)) state.duplicate(typeName, field.name, at);
      seen.add(number);
    }
    const pending = visit({ field, number, wire, at, start, end: stop, value });
    if (pending) await pending;
    if (wire === WIRE_LEN) cur.pos = stop;
  }
}

export async function readString(cur: WireCursor, f: FieldAt, state: WalkState, what: string): Promise<string> {
  const length = f.end - f.start;
  if (length > MAX_STRING_BYTES) {
    throw new FormatError('ONNX_LIMIT_EXCEEDED', `${what} is ${length} bytes, over the ${MAX_STRING_BYTES}-byte string limit`, f.at);
  }
  state.charge(length, f.at);
  cur.pos = f.start;
  const decoded = decodeUtf8(await cur.bytes(length));
  if (!decoded.valid) state.badUtf8(what, f.at);
  return decoded.text;
}

export async function readLeaf(cur: WireCursor, f: FieldAt, state: WalkState, depth: number): Promise<Record<string, unknown>> {
  const bytes = await leafBytes(cur, f, state);
  return decodeLeaf(bytes, f.field.resolvedType as protobuf.Type, state, f.start, depth + 1);
}

export async function checkLeaf(cur: WireCursor, f: FieldAt, state: WalkState, depth: number): Promise<void> {
  const bytes = await leafBytes(cur, f, state);
  validateMessage(bytes, f.field.resolvedType as protobuf.Type, state, f.start, depth + 1);
}

async function leafBytes(cur: WireCursor, f: FieldAt, state: WalkState): Promise<Uint8Array> {
  const length = f.end - f.start;
  const name = messageName(f.field.resolvedType as protobuf.Type);
  if (length > MAX_LEAF_BYTES) {
    throw new FormatError('ONNX_LIMIT_EXCEEDED', `${name} of ${length} bytes is over the ${MAX_LEAF_BYTES}-byte limit`, f.at);
  }
  state.charge(length, f.at);
  cur.pos = f.start;
  return cur.bytes(length);
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
