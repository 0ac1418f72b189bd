import { WIRE_LEN, WIRE_VARINT } from './wire.js';

/** ModelProto field number -> wire type. */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WIRE_VARINT], // ir_version
  [2, WIRE_LEN], // producer_name
  [3, WIRE_LEN], // producer_version
  [4, WIRE_LEN], // domain
  [5, WIRE_VARINT], // model_version
  [6, WIRE_LEN], // doc_string
  [7, WIRE_LEN], // graph
  [8, WIRE_LEN], // opset_import
  [14, WIRE_LEN], // metadata_props
  [20, WIRE_LEN], // training_info
  [25, WIRE_LEN], // functions
  [26, WIRE_LEN], // configuration
]);

/** GraphProto field number -> wire type, to check the first field inside a graph. */
const GRAPH_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WIRE_LEN],
  [2, WIRE_LEN],
  [5, WIRE_LEN],
  [10, WIRE_LEN],
  [11, WIRE_LEN],
  [12, WIRE_LEN],
  [13, WIRE_LEN],
  [14, WIRE_LEN],
  [15, WIRE_LEN],
  [16, WIRE_LEN],
]);

/** Decodes a varint of at most `maxBytes` bytes; null when it is cut by the buffer or too long. */
function varint(bytes: Uint8Array, at: number, maxBytes: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < maxBytes; i++) {
    const b = bytes[at + i];
    if (b === undefined) return null;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return { value, next: at + i + 1 };
  }
  return null;
}

function graphStartsWell(head: Uint8Array, at: number, length: number): boolean {
  if (length === 0 || at >= head.length) return true;
  const tag = varint(head, at, 5);
  if (!tag) return at + 5 > head.length;
  return GRAPH_FIELDS.get(Math.floor(tag.value / 8)) === tag.value % 8;
}

const WIRE_FIXED64 = 1;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;
const MAX_GROUP_DEPTH = 32;

/**
 * onnxruntime parses ModelProto with protobuf, which skips unknown field numbers, fields whose wire
 * type does not match their declaration, and groups. A model can therefore open with any amount of
 * such fields before its graph. Accepts `head` when it is a well-formed protobuf stream that either
 * runs past the head (a text file does not stay well-formed for 4 KiB) or is the whole file and holds
 * a graph and an opset_import at top level.
 */
function wellFormedProtobuf(head: Uint8Array, size: number): boolean {
  const cut = head.length < size;
  const groups: number[] = [];
  let graph = false;
  let opset = false;
  let at = 0;
  while (at < head.length) {
    const tag = varint(head, at, 5);
    if (!tag) return cut && at + 5 > head.length;
    const number = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (number === 0) return false;
    at = tag.next;
    if (wire === WIRE_VARINT) {
      const value = varint(head, at, 10);
      if (!value) return cut && at + 10 > head.length;
      at = value.next;
    } else if (wire === WIRE_FIXED64) {
      at += 8;
    } else if (wire === WIRE_FIXED32) {
      at += 4;
    } else if (wire === WIRE_LEN) {
      const length = varint(head, at, 5);
      if (!length) return cut && at + 5 > head.length;
      if (length.next + length.value > size) return false;
      if (groups.length === 0 && number === 7) graph = true;
      if (groups.length === 0 && number === 8) opset = true;
      at = length.next + length.value;
    } else if (wire === WIRE_START_GROUP) {
      if (groups.length >= MAX_GROUP_DEPTH) return false;
      groups.push(number);
    } else if (wire === WIRE_END_GROUP) {
      if (groups.pop() !== number) return false;
    } else {
      return false;
    }
  }
  if (at > head.length) return at <= size && cut;
  return cut || (groups.length === 0 && graph && opset);
}

/**
 * ONNX has no magic number: this walks the top-level protobuf fields in `head` and accepts only
 * ModelProto field numbers with their wire types and lengths that fit in the file, and requires
 * ir_version or graph among them. A field cut by the end of the file (a truncated model) still
 * counts when an earlier field was sound, so truncated models are routed here and reported. A walk
 * that leaves the head inside a field that fits in the file is accepted too (the anchor may follow).
 */
export function looksLikeOnnx(head: Uint8Array, size: number): boolean {
  return looksLikeModelFields(head, size) || wellFormedProtobuf(head, size);
}

function looksLikeModelFields(head: Uint8Array, size: number): boolean {
  let at = 0;
  let fields = 0;
  let anchor = false;
  while (at < head.length) {
    const cutByHead = head.length < size;
    const tag = varint(head, at, 5);
    if (!tag) return cutByHead && fields > 0 && anchor;
    const number = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (MODEL_FIELDS.get(number) !== wire) return false;
    if (wire === WIRE_VARINT) {
      const value = varint(head, tag.next, 10);
      if (!value) return fields > 0 && anchor;
      at = value.next;
    } else {
      const length = varint(head, tag.next, 5);
      if (!length) return fields > 0 && anchor;
      if (number === 7 && !graphStartsWell(head, length.next, length.value)) return false;
      if (length.next + length.value > size) return fields > 0 && (anchor || number === 7);
      at = length.next + length.value;
    }
    fields++;
    if (number === 1 || number === 7) anchor = true;
  }
  // A sound field that runs past the head (a large doc_string or producer first, which onnxruntime
  // accepts in any order) hides the anchor from us; a printable one would otherwise pass as text.
  return anchor || at > head.length;
}
