import { FormatError } from '../../core/errors.js';
import { checkLeaf, forFields, readLeaf, readString, str } from './fields.js';
import type { TensorRecord, WalkState } from './state.js';
import { FIELD_HEADER_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, type WireCursor } from './wire.js';

/** Dims kept per tensor for facts; more are counted, not stored. */
const MAX_DIMS = 64;

/** Walks a TensorProto, recording payload sizes without reading payloads. */
export async function walkTensor(cur: WireCursor, end: number, path: string, state: WalkState, depth: number): Promise<TensorRecord> {
  const tensor: TensorRecord = { name: '', dataType: null, dims: [], inlineBytes: 0, dataLocation: 0, externalData: [], path };
  await forFields(cur, end, 'TensorProto', state, depth, async (f) => {
    switch (f.number) {
      case 1: // dims: packed or one varint per field
        if (f.wire === WIRE_VARINT) {
          if (tensor.dims.length < MAX_DIMS) tensor.dims.push(f.value);
          return;
        }
        state.charge(f.end - f.start, f.at);
        cur.pos = f.start;
        while (cur.pos < f.end) {
          if (!cur.has(FIELD_HEADER_BYTES)) await cur.need(FIELD_HEADER_BYTES);
          const dim = cur.int64();
          if (cur.pos > f.end) throw new FormatError('ONNX_MALFORMED', `TensorProto.dims: packed varint crosses its field end at byte ${f.at}`, f.at);
          if (tensor.dims.length < MAX_DIMS) tensor.dims.push(dim);
        }
        return;
      case 2:
        tensor.dataType = f.value;
        return;
      case 3:
        return checkLeaf(cur, f, state, depth);
      case 4:
      case 5:
      case 6:
      case 7:
      case 9:
      case 10:
      case 11:
        // Tensor payload: counted, never read. Unpacked scalars were already consumed by forFields.
        tensor.inlineBytes += f.wire === WIRE_LEN ? f.end - f.start : f.wire === WIRE_FIXED64 ? 8 : f.wire === WIRE_FIXED32 ? 4 : 1;
        return;
      case 8:
        tensor.name = await readString(cur, f, state, 'TensorProto.name');
        return;
      case 13: {
        const entry = await readLeaf(cur, f, state, depth);
        tensor.externalData.push({ key: str(entry['key']), value: str(entry['value']) });
        return;
      }
      case 14:
        tensor.dataLocation = f.value;
        return;
      case 16:
        return checkLeaf(cur, f, state, depth);
      default:
        return;
    }
  });
  return tensor;
}

export async function walkSparseTensor(cur: WireCursor, end: number, path: string, state: WalkState, depth: number): Promise<TensorRecord[]> {
  const parts: TensorRecord[] = [];
  await forFields(cur, end, 'SparseTensorProto', state, depth, async (f) => {
    if (f.number !== 1 && f.number !== 2) return;
    cur.pos = f.start;
    parts.push(await walkTensor(cur, f.end, `${path} > ${f.number === 1 ? 'values' : 'indices'}`, state, depth + 1));
  });
  return parts;
}
