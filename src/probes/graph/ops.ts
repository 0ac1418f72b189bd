/** Operator families the graph rules reason about (default ONNX domain unless noted). */

/** Their outputs carry shapes or sizes of their inputs, never values: value taint stops here. */
export const SHAPE_ONLY = new Set(['Shape', 'Size', 'EyeLike', 'ConstantOfShape', 'RandomNormalLike', 'RandomUniformLike']);

/** Ops that apply learned weights; a raw-input path through one of them is no longer "raw". */
export const LEARNED = new Set([
  'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'MatMul', 'MatMulInteger', 'QLinearMatMul', 'Gemm', 'QGemm',
  'FusedConv', 'FusedGemm', 'FusedMatMul', 'DynamicQuantizeMatMul', 'MatMulNBits', 'MatMulIntegerToFloat', 'DeformConv',
  'LSTM', 'GRU', 'RNN', 'Attention', 'MultiHeadAttention', 'Einsum', 'DynamicQuantizeLSTM', 'QAttention',
]);

export const COMPARISON = new Set(['Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual']);
export const LOGIC = new Set(['And', 'Or', 'Xor', 'Not']);
/** Selection ops whose first input picks what flows on. */
export const SELECTION = new Set(['Where', 'If', 'Loop']);
export const SUBGRAPH_OPS = new Set(['If', 'Loop', 'Scan']);

/** Ops that turn a large gain into a step: (x - c)·k through them emulates a comparison. */
export const SATURATING = new Set(['Relu', 'Sigmoid', 'Clip', 'HardSigmoid', 'Tanh', 'Softsign', 'HardSwish', 'Round', 'Floor', 'Ceil']);
/** Steps by construction, whatever the gain. */
export const STEP = new Set(['Sign', 'ThresholdedRelu']);

/** Ops through which a gate's signal can override or merge into the trunk. */
export const MERGE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'Concat', 'Where', 'Pow', 'If', 'Loop', 'Scan']);

/** Elementwise or re-indexing ops a gain chain may pass through when looking for its scale. */
export const GAIN_PASS = new Set([
  'Identity', 'Cast', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Slice', 'Gather', 'ReduceMean', 'ReduceMax',
  'ReduceMin', 'GlobalAveragePool', 'GlobalMaxPool', 'AveragePool', 'MaxPool', 'Abs', 'Neg', 'Add', 'Sub', 'Mul', 'Div',
  'ReduceSum', 'Expand', 'Tile', 'Concat',
]);

/** Ops reading a sub-region of their data input (a bypass branch starts with one). */
export const REGION = new Set(['Slice', 'Gather', 'GatherElements', 'GatherND', 'Crop', 'Split']);

/** Random-number ops: a classifier's output should not depend on them. */
export const RANDOM = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

/** Domains every ONNX runtime ships; anything else is a custom-op library. */
export const STANDARD_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft', 'ai.onnx.preview.training']);
