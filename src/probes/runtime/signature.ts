import onnxProto from 'onnx-proto';
import { ELEM_TYPE_NAMES } from '../../formats/onnx/value-info.js';

const { onnx } = onnxProto;

/** One graph input or output as the runtime sees it; a dim is a number, or null when symbolic/absent. */
export interface TensorSignature {
  name: string;
  /** 'float32', 'int64', ...; 'non-tensor' for sequence/map types; 'unknown' for an unset type. */
  type: string;
  /** null when the shape is not declared at all (any rank). */
  dims: Array<number | null> | null;
}

export interface ModelSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** First dimension of each 2-D initializer feeding a Gather as its data, keyed by the Gather's indices input. */
  embeddings: Array<{ initializer: string; rows: number; indices: string }>;
  /** Single-input unary value-preserving ops (Cast, Identity, Unsqueeze...): output name → input name, for following token ids. */
  passThrough: Map<string, string>;
}

export class SignatureError extends Error {
  override name = 'SignatureError';
}

const PASS_THROUGH_OPS = new Set(['Cast', 'Identity', 'Unsqueeze', 'Squeeze', 'Reshape', 'Flatten']);

/** Decodes ModelProto with onnx-proto and reads what profiling needs: the data inputs, outputs, embeddings. */
export function readSignature(model: Uint8Array): ModelSignature {
  let decoded: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    decoded = onnx.ModelProto.decode(model);
  } catch (error) {
    throw new SignatureError(`not a decodable ONNX ModelProto (${error instanceof Error ? error.message : String(error)})`);
  }
  const graph = decoded.graph;
  if (!graph) throw new SignatureError('ModelProto has no graph');
  const initializers = new Map<string, number[]>();
  for (const init of graph.initializer ?? []) if (init.name) initializers.set(init.name, (init.dims ?? []).map(toNumber));
  // Old exporters (IR < 4) list every initializer as a graph input too; those are weights, not data.
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(describeValue);
  const outputs = (graph.output ?? []).map(describeValue);
  const embeddings: ModelSignature['embeddings'] = [];
  const passThrough = new Map<string, string>();
  for (const node of graph.node ?? []) {
    const ins = node.input ?? [];
    const outs = node.output ?? [];
    if (node.opType === 'Gather' && (node.domain ?? '') === '' && ins.length >= 2) {
      const dims = initializers.get(ins[0]!);
      if (dims && dims.length === 2) embeddings.push({ initializer: ins[0]!, rows: dims[0]!, indices: ins[1]! });
    }
    if (PASS_THROUGH_OPS.has(node.opType ?? '') && (node.domain ?? '') === '' && ins.length >= 1 && outs.length === 1) {
      passThrough.set(outs[0]!, ins[0]!);
    }
  }
  return { inputs, outputs, embeddings, passThrough };
}

function describeValue(value: onnxProto.onnx.IValueInfoProto): TensorSignature {
  const name = value.name ?? '';
  const type = value.type;
  if (!type) return { name, type: 'unknown', dims: null };
  if (!type.tensorType) return { name, type: 'non-tensor', dims: null };
  const elemType = type.tensorType.elemType ?? 0;
  const shape = type.tensorType.shape;
  const dims = shape
    ? (shape.dim ?? []).map((d) => {
        if (d.dimValue === null || d.dimValue === undefined) return null;
        const n = toNumber(d.dimValue);
        return n > 0 ? n : null;
      })
    : null;
  return { name, type: ELEM_TYPE_NAMES[elemType] ?? `elem-type-${elemType}`, dims };
}

/** protobufjs gives int64 as number or Long; sizes here are far below 2^53. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number };
    return high * 2 ** 32 + (low >>> 0);
  }
  return NaN;
}
