/** Builds small ONNX models for the probe runtime's tests with onnx-proto (real protobuf, real onnxruntime). */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const INT32 = onnx.TensorProto.DataType.INT32;

export type Dim = number | string;

export function value(name: string, elemType: number, dims: Dim[] | null): onnxProto.onnx.IValueInfoProto {
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType };
  if (dims) tensorType.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

export function floats(name: string, dims: number[], data: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: Array.from(data) };
}

export function int64s(name: string, dims: number[], data: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: INT64, int64Data: data };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: onnxProto.onnx.IAttributeProto[] = [], domain?: string): onnxProto.onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute: attrs, ...(domain !== undefined ? { domain } : {}) };
}

export const intAttr = (name: string, i: number): onnxProto.onnx.IAttributeProto => ({ name, i, type: onnx.AttributeProto.AttributeType.INT });
export const intsAttr = (name: string, ints: number[]): onnxProto.onnx.IAttributeProto => ({ name, ints, type: onnx.AttributeProto.AttributeType.INTS });

export function buildModel(g: {
  nodes: onnxProto.onnx.INodeProto[];
  inputs: onnxProto.onnx.IValueInfoProto[];
  outputs: onnxProto.onnx.IValueInfoProto[];
  initializers?: onnxProto.onnx.ITensorProto[];
  opset?: number;
}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'modelscan-test',
    opsetImport: [{ domain: '', version: g.opset ?? 13 }],
    graph: { name: 'g', node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.initializers ?? [] },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic values in [-1, 1) from a seed. */
export function seeded(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A linear image classifier [N, C, H, W] → Flatten → Gemm → [N, K]; batch dim `batch`. */
export function linearImageModel(o: { channels: number; height: number; width: number; classes: number; batch?: Dim; seed?: number }): { bytes: Uint8Array; weights: Float32Array; bias: Float32Array } {
  const features = o.channels * o.height * o.width;
  const weights = seeded(features * o.classes, o.seed ?? 1);
  const bias = seeded(o.classes, (o.seed ?? 1) + 7);
  const batch = o.batch ?? 'N';
  const bytes = buildModel({
    inputs: [value('pixels', FLOAT, [batch, o.channels, o.height, o.width])],
    outputs: [value('logits', FLOAT, [batch, o.classes])],
    initializers: [floats('W', [features, o.classes], weights), floats('B', [o.classes], bias)],
    nodes: [node('Flatten', ['pixels'], ['flat'], [intAttr('axis', 1)]), node('Gemm', ['flat', 'W', 'B'], ['logits'])],
  });
  return { bytes, weights, bias };
}

/** Reference for linearImageModel: x (features) · W + B. */
export function linearScores(x: ArrayLike<number>, weights: Float32Array, bias: Float32Array, classes: number): Float64Array {
  const features = x.length;
  const out = new Float64Array(classes);
  for (let k = 0; k < classes; k++) {
    let s = bias[k]!;
    for (let f = 0; f < features; f++) s += x[f]! * weights[f * classes + k]!;
    out[k] = s;
  }
  return out;
}

/**
 * A token classifier: Gather(E[vocab, dim], input_ids) × attention_mask → ReduceSum over T → MatMul W → [N, K].
 */
export function bagOfTokensModel(o: { vocab: number; dim: number; length: number; classes: number; mask?: boolean; idType?: number; seed?: number }): { bytes: Uint8Array; embedding: Float32Array; weights: Float32Array } {
  const embedding = seeded(o.vocab * o.dim, o.seed ?? 3);
  const weights = seeded(o.dim * o.classes, (o.seed ?? 3) + 1);
  const idType = o.idType ?? INT64;
  const nodes: onnxProto.onnx.INodeProto[] = [node('Gather', ['E', 'input_ids'], ['emb'])];
  const inputs = [value('input_ids', idType, ['N', o.length])];
  let summed = 'emb';
  if (o.mask) {
    inputs.push(value('attention_mask', INT64, ['N', o.length]));
    nodes.push(node('Cast', ['attention_mask'], ['maskf'], [intAttr('to', FLOAT)]));
    nodes.push(node('Unsqueeze', ['maskf', 'axes2'], ['mask3']));
    nodes.push(node('Mul', ['emb', 'mask3'], ['masked']));
    summed = 'masked';
  }
  nodes.push(node('ReduceSum', [summed, 'axes1'], ['pooled'], [intAttr('keepdims', 0)]));
  nodes.push(node('MatMul', ['pooled', 'W'], ['logits']));
  const bytes = buildModel({
    inputs,
    outputs: [value('logits', FLOAT, ['N', o.classes])],
    initializers: [floats('E', [o.vocab, o.dim], embedding), floats('W', [o.dim, o.classes], weights), int64s('axes1', [1], [1]), int64s('axes2', [1], [2])],
    nodes,
  });
  return { bytes, embedding, weights };
}

export function bagOfTokensScores(ids: number[], mask: number[] | undefined, embedding: Float32Array, weights: Float32Array, dim: number, classes: number): Float64Array {
  const pooled = new Float64Array(dim);
  ids.forEach((id, t) => {
    const m = mask ? mask[t]! : 1;
    for (let d = 0; d < dim; d++) pooled[d]! += m * embedding[id * dim + d]!;
  });
  const out = new Float64Array(classes);
  for (let k = 0; k < classes; k++) for (let d = 0; d < dim; d++) out[k]! += pooled[d]! * weights[d * classes + k]!;
  return out;
}

/** A Loop of `trips` iterations adding a constant: a model whose single pass takes as long as we like. */
export function slowLoopModel(trips: number): Uint8Array {
  const BOOL = onnx.TensorProto.DataType.BOOL;
  const body: onnxProto.onnx.IGraphProto = {
    name: 'body',
    input: [value('i', INT64, []), value('cond_in', BOOL, []), value('acc_in', FLOAT, ['N', 4])],
    output: [value('cond_out', BOOL, []), value('acc_out', FLOAT, ['N', 4])],
    node: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['acc_in', 'step'], ['acc_out'])],
    initializer: [floats('step', [1], [1e-9])],
  };
  return buildModel({
    inputs: [value('x', FLOAT, ['N', 1, 2, 2])],
    outputs: [value('y', FLOAT, ['N', 4])],
    initializers: [int64s('M', [], [trips]), { name: 'cond', dims: [], dataType: BOOL, int32Data: [1] }],
    nodes: [node('Flatten', ['x'], ['f']), node('Loop', ['M', 'cond', 'f'], ['y'], [{ name: 'body', g: body, type: onnx.AttributeProto.AttributeType.GRAPH }])],
  });
}
