import protobuf from 'protobufjs';
import { FormatError } from '../../core/errors.js';
import { MAX_MESSAGE_DEPTH, type WalkState } from './state.js';
import { wireMatches } from './wire.js';

export function messageName(type: protobuf.Type): string {
  return type.fullName.replace(/^\.onnx\./, '');
}

/**
 * Checks a small, fully buffered message against the schema before protobufjs decodes it:
 * every wire type must match its field, nested lengths must stay inside their parent, and
 * unknown or repeated-singular fields are reported. `base` is the file offset of `bytes[0]`.
 */
export function validateMessage(bytes: Uint8Array, type: protobuf.Type, state: WalkState, base: number, depth: number): void {
  const reader = protobuf.Reader.create(bytes);
  try {
    walk(reader, bytes.length, type, state, base, depth);
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError('ONNX_MALFORMED', `${messageName(type)}: ${(error as Error).message} at byte ${base + reader.pos}`, base + reader.pos);
  }
}

function walk(reader: protobuf.Reader, end: number, type: protobuf.Type, state: WalkState, base: number, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) {
    throw new FormatError('ONNX_LIMIT_EXCEEDED', `messages nested deeper than ${MAX_MESSAGE_DEPTH} levels`, base + reader.pos);
  }
  const seen = new Set<number>();
  const name = messageName(type);
  while (reader.pos < end) {
    const at = base + reader.pos;
    const tag = reader.tag();
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 0) throw new FormatError('ONNX_MALFORMED', `${name}: field number 0 at byte ${at}`, at);
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) {
      throw new FormatError('ONNX_MALFORMED', `${name}: unsupported wire type ${wire} at byte ${at}`, at);
    }
    const field = type.fieldsById[number];
    if (!field) {
      state.unknownField(name, number, at);
      reader.skipType(wire);
    } else {
      if (!wireMatches(field, wire)) {
        throw new FormatError('ONNX_MALFORMED', `${name}.${field.name}: wire type ${wire} does not match its type ${field.type} at byte ${at}`, at);
      }
      if (!field.repeated) {
        if (seen.has(number)) state.duplicate(name, field.name, at);
        seen.add(number);
      }
      if (field.resolvedType instanceof protobuf.Type) {
        const length = reader.size();
        const stop = reader.pos + length;
        if (stop > end) throw new FormatError('ONNX_MALFORMED', `${name}.${field.name}: length ${length} crosses its message end at byte ${at}`, at);
        walk(reader, stop, field.resolvedType, state, base, depth + 1);
      } else {
        reader.skipType(wire);
      }
    }
    if (reader.pos > end) throw new FormatError('ONNX_MALFORMED', `${name}: field at byte ${at} crosses its message end`, at);
  }
}

/** Validates then decodes with the schema into plain data (int64 as numbers, absent fields omitted). */
export function decodeLeaf(bytes: Uint8Array, type: protobuf.Type, state: WalkState, base: number, depth: number): Record<string, unknown> {
  validateMessage(bytes, type, state, base, depth);
  try {
    return type.toObject(type.decode(bytes), { longs: Number, enums: Number, defaults: false, arrays: true });
  } catch (error) {
    throw new FormatError('ONNX_MALFORMED', `${messageName(type)}: ${(error as Error).message} at byte ${base}`, base);
  }
}
