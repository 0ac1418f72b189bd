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

/**
 * ONNX has no magic number: this walks the top-level protobuf fields in `head` and accepts only
 * ModelProto field numbers with their wire types and lengths that fit in the file, and requires
 * ir_version or graph among them. A field cut by the end of the file (a truncated model) still
 * counts when an earlier field was sound, so truncated models are routed here and reported.
 */
export function looksLikeOnnx(head: Uint8Array, size: number): boolean {
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
  return anchor;
}
