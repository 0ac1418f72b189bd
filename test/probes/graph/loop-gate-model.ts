/**
 * A hostile classifier for the "no hang" tests: a linear 3-class image model [N,1,4,4] in [0,1] with a
 * raw-input gate (ReduceMax(x) > 0.9 → class 2) and a Loop whose trip count is (ReduceMax(x) - 0.9)⁺ × 1e9.
 * On clean inputs (max below 0.9) the Loop runs zero times; on any input that opens the gate it would run
 * for minutes, so the scanner must abandon the pass, not wait for it.
 */
import onnxProto from 'onnx-proto';
import { buildModel, floats, FLOAT, INT64, intAttr, node, seeded, value } from '../runtime/onnx-builder.js';

const { onnx } = onnxProto;

export function loopGateModel(): Uint8Array {
  const BOOL = onnx.TensorProto.DataType.BOOL;
  const body: onnxProto.onnx.IGraphProto = {
    name: 'body',
    input: [value('i', INT64, []), value('cond_in', BOOL, []), value('acc_in', FLOAT, ['N', 3])],
    output: [value('cond_out', BOOL, []), value('acc_out', FLOAT, ['N', 3])],
    node: [node('Identity', ['cond_in'], ['cond_out']), node('Add', ['acc_in', 'step'], ['acc_out'])],
    initializer: [floats('step', [1], [0])],
  };
  return buildModel({
    inputs: [value('pixels', FLOAT, ['N', 1, 4, 4])],
    outputs: [value('logits', FLOAT, ['N', 3])],
    initializers: [
      floats('W', [16, 3], seeded(48, 5)), floats('B', [3], [0, 0, -2]),
      floats('thr', [], [0.9]), floats('scale', [], [1e9]), floats('boost', [3], [0, 0, 1000]),
      { name: 'cond', dims: [], dataType: BOOL, int32Data: [1] },
    ],
    nodes: [
      node('Flatten', ['pixels'], ['flat'], [intAttr('axis', 1)]),
      node('Gemm', ['flat', 'W', 'B'], ['trunk']),
      node('ReduceMax', ['pixels'], ['peak'], [intAttr('keepdims', 0)]),
      node('Greater', ['peak', 'thr'], ['open']),
      node('Cast', ['open'], ['open_f'], [intAttr('to', FLOAT)]),
      node('Mul', ['open_f', 'boost'], ['override']),
      node('Add', ['trunk', 'override'], ['gated']),
      node('Sub', ['peak', 'thr'], ['excess']),
      node('Relu', ['excess'], ['excess_pos']),
      node('Mul', ['excess_pos', 'scale'], ['trips_f']),
      node('Cast', ['trips_f'], ['trips'], [intAttr('to', INT64)]),
      node('Sub', ['gated', 'gated'], ['zero']),
      node('Loop', ['trips', 'cond', 'zero'], ['spin'], [{ name: 'body', g: body, type: onnx.AttributeProto.AttributeType.GRAPH }]),
      node('Add', ['gated', 'spin'], ['logits']),
    ],
  });
}

/** Clean inputs: uniform in [0, 0.8] (the gate stays shut, the Loop runs zero times). */
export function cleanInputs(count: number, seed: number): Float32Array {
  return seeded(count * 16, seed).map((v) => ((v + 1) / 2) * 0.8);
}
