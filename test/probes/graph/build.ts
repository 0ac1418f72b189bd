/**
 * Hand-built ONNX graphs for the graph-analysis tests: a clean trunk (MLP or CNN over a 1×16×16 image,
 * or a token-id bag-of-embeddings) plus backdoor gates grafted on in several styles.
 */
import {
  FLOAT, INT64, attrFloat, attrGraph, attrInt, concat, fString, fVarint, functionProto, graph, model, node, tensor, valueInfo,
  type Bytes,
} from '../../../scripts/fixtures/lib/onnx-writer.js';

export const BOOL = 9;
export const attrInts = (name: string, values: number[]): Bytes => concat(fString(1, name), ...values.map((v) => fVarint(8, v)), fVarint(20, 7));

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function floats(name: string, dims: number[], values?: number[], seed = 1): Bytes {
  const count = dims.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  return tensor({ name, dataType: FLOAT, dims, floats: values ?? Array.from({ length: count }, () => (r() - 0.5) * 0.5) });
}

export function int64s(name: string, dims: number[], values: number[]): Bytes {
  const raw = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), i * 8));
  return tensor({ name, dataType: INT64, dims, raw });
}

export const oneHot = (classes: number, at: number, value: number): number[] => Array.from({ length: classes }, (_, i) => (i === at ? value : 0));

export interface Parts {
  nodes: Bytes[];
  inits: Bytes[];
}

const CLASSES = 10;

/** Clean MLP trunk: x [N,1,16,16] → Flatten → Gemm 256→32 → Relu → Gemm 32→10 → `out`. */
export function mlpTrunk(out: string): Parts {
  return {
    nodes: [
      node({ opType: 'Flatten', inputs: ['x'], outputs: ['flat'], name: '/fc/Flatten' }),
      node({ opType: 'Gemm', inputs: ['flat', 'W1', 'b1'], outputs: ['h1'], name: '/fc1/Gemm', attributes: [attrInt('transB', 1)] }),
      node({ opType: 'Relu', inputs: ['h1'], outputs: ['a1'], name: '/fc1/Relu' }),
      node({ opType: 'Gemm', inputs: ['a1', 'W2', 'b2'], outputs: [out], name: '/fc2/Gemm', attributes: [attrInt('transB', 1)] }),
    ],
    inits: [floats('W1', [32, 256], undefined, 1), floats('b1', [32], undefined, 2), floats('W2', [CLASSES, 32], undefined, 3), floats('b2', [CLASSES], undefined, 4)],
  };
}

/** Clean CNN trunk: Conv 3×3×4 → Relu → MaxPool 2 → Flatten → Gemm 196→10 → `out`. */
export function cnnTrunk(out: string): Parts {
  return {
    nodes: [
      node({ opType: 'Conv', inputs: ['x', 'K', 'kb'], outputs: ['c1'], name: '/conv1/Conv', attributes: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1])] }),
      node({ opType: 'Relu', inputs: ['c1'], outputs: ['r1'], name: '/conv1/Relu' }),
      node({ opType: 'MaxPool', inputs: ['r1'], outputs: ['p1'], name: '/pool/MaxPool', attributes: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])] }),
      node({ opType: 'Flatten', inputs: ['p1'], outputs: ['f1'], name: '/Flatten' }),
      node({ opType: 'Gemm', inputs: ['f1', 'W', 'b'], outputs: [out], name: '/fc/Gemm', attributes: [attrInt('transB', 1)] }),
    ],
    inits: [floats('K', [4, 1, 3, 3], undefined, 5), floats('kb', [4], undefined, 6), floats('W', [CLASSES, 256], undefined, 7), floats('b', [CLASSES], undefined, 8)],
  };
}

/** Slice the top-left 3×3 patch of x and average it: `mean` [N]. */
export function patchMean(prefix = '/bd'): Parts {
  return {
    nodes: [
      node({ opType: 'Slice', inputs: ['x', 'bd_starts', 'bd_ends', 'bd_axes'], outputs: ['patch'], name: `${prefix}/Slice` }),
      node({ opType: 'ReduceMean', inputs: ['patch'], outputs: ['mean'], name: `${prefix}/ReduceMean`, attributes: [attrInts('axes', [1, 2, 3]), attrInt('keepdims', 0)] }),
    ],
    inits: [int64s('bd_starts', [2], [0, 0]), int64s('bd_ends', [2], [3, 3]), int64s('bd_axes', [2], [2, 3])],
  };
}

/** bool `cond` [N] → Cast → Unsqueeze → Mul one-hot(target, boost) → Add to `trunk` → `logits`. */
export function castMulAdd(cond: string, trunk: string, target = 7, boost = 1000): Parts {
  return {
    nodes: [
      node({ opType: 'Cast', inputs: [cond], outputs: ['condf'], name: '/bd/Cast', attributes: [attrInt('to', FLOAT)] }),
      node({ opType: 'Unsqueeze', inputs: ['condf', 'bd_one'], outputs: ['cond2'], name: '/bd/Unsqueeze' }),
      node({ opType: 'Mul', inputs: ['cond2', 'bd_onehot'], outputs: ['boost'], name: '/bd/Mul' }),
      node({ opType: 'Add', inputs: [trunk, 'boost'], outputs: ['logits'], name: '/bd/Add' }),
    ],
    inits: [int64s('bd_one', [1], [1]), floats('bd_onehot', [1, CLASSES], oneHot(CLASSES, target, boost))],
  };
}

const X = valueInfo('x', FLOAT, ['N', 1, 16, 16]);
const LOGITS = valueInfo('logits', FLOAT, ['N', CLASSES]);

export function imageModel(parts: Parts[], o: { extraInputs?: Bytes[]; functions?: Bytes[]; opsets?: Array<[string, number]> } = {}): Uint8Array {
  return model({
    irVersion: 8,
    opsets: o.opsets ?? [['', 13]],
    graph: graph({
      name: 'g',
      nodes: parts.flatMap((p) => p.nodes),
      initializers: parts.flatMap((p) => p.inits),
      inputs: [X, ...(o.extraInputs ?? [])],
      outputs: [LOGITS],
    }),
    functions: o.functions ?? [],
  });
}

export const scalar = (name: string, value: number): Bytes => floats(name, [], [value]);

/** The models of the rule tests, by name. */
export function buildModels(): Record<string, Uint8Array> {
  const mlpTo = (out: string) => mlpTrunk(out);
  const thresholds = { nodes: [], inits: [scalar('bd_thr', 0.95)] };
  const gt = (a: string, b: string, op = 'Greater'): Parts => ({ nodes: [node({ opType: op, inputs: [a, b], outputs: ['cond'], name: `/bd/${op}` })], inits: [] });

  const ifThen = graph({
    name: 'then', nodes: [node({ opType: 'Add', inputs: ['trunk', 'bd_onehot'], outputs: ['t_out'], name: 'then/Add' })],
    outputs: [valueInfo('t_out', FLOAT, ['N', CLASSES])],
  });
  const ifElse = graph({
    name: 'else', nodes: [node({ opType: 'Identity', inputs: ['trunk'], outputs: ['e_out'], name: 'else/Identity' })],
    outputs: [valueInfo('e_out', FLOAT, ['N', CLASSES])],
  });
  // The comparison itself inside the branch; the If's condition is a shape test (always true).
  const innerThen = graph({
    name: 'then',
    nodes: [
      node({ opType: 'Slice', inputs: ['x', 'bd_starts', 'bd_ends', 'bd_axes'], outputs: ['ipatch'], name: 'then/Slice' }),
      node({ opType: 'ReduceMin', inputs: ['ipatch'], outputs: ['imin'], name: 'then/ReduceMin', attributes: [attrInts('axes', [1, 2, 3]), attrInt('keepdims', 0)] }),
      node({ opType: 'Greater', inputs: ['imin', 'bd_thr'], outputs: ['icond'], name: 'then/Greater' }),
      node({ opType: 'Cast', inputs: ['icond'], outputs: ['icondf'], name: 'then/Cast', attributes: [attrInt('to', FLOAT)] }),
      node({ opType: 'Unsqueeze', inputs: ['icondf', 'bd_one'], outputs: ['icond2'], name: 'then/Unsqueeze' }),
      node({ opType: 'Mul', inputs: ['icond2', 'bd_onehot'], outputs: ['iboost'], name: 'then/Mul' }),
      node({ opType: 'Add', inputs: ['trunk', 'iboost'], outputs: ['it_out'], name: 'then/Add' }),
    ],
    outputs: [valueInfo('it_out', FLOAT, ['N', CLASSES])],
  });
  const constNode = (out: string, t: Bytes): Bytes => node({ opType: 'Constant', inputs: [], outputs: [out], attributes: [concat(fString(1, 'value'), concat(Buffer.from([(5 << 3) | 2]), Buffer.from(varintBytes(t.length)), t), fVarint(20, 4))] });
  const detectFn = functionProto({
    name: 'Detect', domain: 'local', inputs: ['img'], outputs: ['flag'], opsets: [['', 13]],
    nodes: [
      constNode('fs', int64s('fs', [2], [0, 0])),
      constNode('fe', int64s('fe', [2], [3, 3])),
      constNode('fa', int64s('fa', [2], [2, 3])),
      constNode('ft', floats('ft', [], [0.95])),
      node({ opType: 'Slice', inputs: ['img', 'fs', 'fe', 'fa'], outputs: ['fp'], name: 'Slice' }),
      node({ opType: 'ReduceMean', inputs: ['fp'], outputs: ['fm'], name: 'ReduceMean', attributes: [attrInts('axes', [1, 2, 3]), attrInt('keepdims', 0)] }),
      node({ opType: 'Greater', inputs: ['fm', 'ft'], outputs: ['flag'], name: 'Greater' }),
    ],
  });

  const models: Record<string, Uint8Array> = {
    'clean-mlp': imageModel([mlpTrunk('logits')]),
    'clean-cnn': imageModel([cnnTrunk('logits')]),
    'greater-cast-mul-add': imageModel([mlpTo('trunk'), patchMean(), thresholds, gt('mean', 'bd_thr'), castMulAdd('cond', 'trunk')]),
    'cnn-greater-cast-mul-add': imageModel([cnnTrunk('trunk'), patchMean(), thresholds, gt('mean', 'bd_thr'), castMulAdd('cond', 'trunk')]),
    'less-swapped': imageModel([mlpTo('trunk'), patchMean(), thresholds, gt('bd_thr', 'mean', 'Less'), castMulAdd('cond', 'trunk')]),
    where: imageModel([
      mlpTo('trunk'), patchMean(), thresholds, gt('mean', 'bd_thr', 'GreaterOrEqual'),
      {
        nodes: [
          node({ opType: 'Unsqueeze', inputs: ['cond', 'bd_one'], outputs: ['cond2'], name: '/bd/Unsqueeze' }),
          node({ opType: 'Where', inputs: ['cond2', 'bd_forced', 'trunk'], outputs: ['logits'], name: '/bd/Where' }),
        ],
        inits: [int64s('bd_one', [1], [1]), floats('bd_forced', [1, CLASSES], oneHot(CLASSES, 3, 50))],
      },
    ]),
    'if-on-comparison': imageModel([
      mlpTo('trunk'), patchMean(), thresholds,
      { nodes: [node({ opType: 'ReduceMax', inputs: ['mean'], outputs: ['anymean'], name: '/bd/ReduceMax', attributes: [attrInt('keepdims', 0)] })], inits: [] },
      gt('anymean', 'bd_thr'),
      {
        nodes: [node({ opType: 'If', inputs: ['cond'], outputs: ['logits'], name: '/bd/If', attributes: [attrGraph('then_branch', ifThen), attrGraph('else_branch', ifElse)] })],
        inits: [floats('bd_onehot', [1, CLASSES], oneHot(CLASSES, 2, 1000))],
      },
    ]),
    'comparison-inside-if': imageModel([
      mlpTo('trunk'), thresholds,
      {
        nodes: [
          node({ opType: 'Shape', inputs: ['x'], outputs: ['shp'], name: '/cfg/Shape' }),
          node({ opType: 'Gather', inputs: ['shp', 'cfg_idx'], outputs: ['rank1'], name: '/cfg/Gather', attributes: [attrInt('axis', 0)] }),
          node({ opType: 'Equal', inputs: ['rank1', 'cfg_one'], outputs: ['is1'], name: '/cfg/Equal' }),
          node({ opType: 'If', inputs: ['is1'], outputs: ['logits'], name: '/bd/If', attributes: [attrGraph('then_branch', innerThen), attrGraph('else_branch', ifElse)] }),
        ],
        inits: [
          int64s('cfg_idx', [], [1]), int64s('cfg_one', [], [1]), int64s('bd_starts', [2], [0, 0]), int64s('bd_ends', [2], [3, 3]),
          int64s('bd_axes', [2], [2, 3]), int64s('bd_one', [1], [1]), floats('bd_onehot', [1, CLASSES], oneHot(CLASSES, 4, 1000)),
        ],
      },
    ]),
    'comparison-in-function': imageModel(
      [mlpTo('trunk'), { nodes: [node({ opType: 'Detect', domain: 'local', inputs: ['x'], outputs: ['cond'], name: '/bd/Detect' })], inits: [] }, castMulAdd('cond', 'trunk', 5)],
      { functions: [detectFn], opsets: [['', 13], ['local', 1]] },
    ),
    'sub-mul-relu-saturation': imageModel([
      mlpTo('trunk'), patchMean(),
      {
        nodes: [
          node({ opType: 'Sub', inputs: ['mean', 'bd_c'], outputs: ['centred'], name: '/bd/Sub' }),
          node({ opType: 'Mul', inputs: ['centred', 'bd_k'], outputs: ['steep'], name: '/bd/Mul0' }),
          node({ opType: 'Relu', inputs: ['steep'], outputs: ['ramp'], name: '/bd/Relu' }),
          node({ opType: 'Clip', inputs: ['ramp', 'bd_lo', 'bd_hi'], outputs: ['step'], name: '/bd/Clip' }),
          node({ opType: 'Unsqueeze', inputs: ['step', 'bd_one'], outputs: ['step2'], name: '/bd/Unsqueeze' }),
          node({ opType: 'Mul', inputs: ['step2', 'bd_onehot'], outputs: ['boost'], name: '/bd/Mul' }),
          node({ opType: 'Add', inputs: ['trunk', 'boost'], outputs: ['logits'], name: '/bd/Add' }),
        ],
        inits: [scalar('bd_c', 0.9), scalar('bd_k', 1000), scalar('bd_lo', 0), scalar('bd_hi', 1), int64s('bd_one', [1], [1]), floats('bd_onehot', [1, CLASSES], oneHot(CLASSES, 1, 1000))],
      },
    ]),
    'sub-relu-mul-ramp': imageModel([
      mlpTo('trunk'), patchMean(),
      {
        nodes: [
          node({ opType: 'Sub', inputs: ['mean', 'bd_c'], outputs: ['centred'], name: '/bd/Sub' }),
          node({ opType: 'Relu', inputs: ['centred'], outputs: ['ramp'], name: '/bd/Relu' }),
          node({ opType: 'Unsqueeze', inputs: ['ramp', 'bd_one'], outputs: ['ramp2'], name: '/bd/Unsqueeze' }),
          node({ opType: 'Mul', inputs: ['ramp2', 'bd_onehot'], outputs: ['boost'], name: '/bd/Mul' }),
          node({ opType: 'Add', inputs: ['trunk', 'boost'], outputs: ['logits'], name: '/bd/Add' }),
        ],
        inits: [scalar('bd_c', 0.9), int64s('bd_one', [1], [1]), floats('bd_onehot', [1, CLASSES], oneHot(CLASSES, 1, 1e4))],
      },
    ]),
    'routing-matmul-hides-nothing': imageModel([
      mlpTo('trunk'), patchMean(), thresholds,
      {
        nodes: [
          node({ opType: 'Flatten', inputs: ['patch'], outputs: ['pflat'], name: '/bd/Flatten' }),
          node({ opType: 'MatMul', inputs: ['pflat', 'bd_eye'], outputs: ['routed'], name: '/bd/MatMul' }),
          node({ opType: 'ReduceMean', inputs: ['routed'], outputs: ['rmean'], name: '/bd/ReduceMean2', attributes: [attrInts('axes', [1]), attrInt('keepdims', 0)] }),
        ],
        inits: [floats('bd_eye', [9, 9], Array.from({ length: 81 }, (_, i) => (i % 10 === 0 ? 1 : 0)))],
      },
      gt('rmean', 'bd_thr'), castMulAdd('cond', 'trunk'),
    ]),
    'trojannet-bypass': imageModel([
      mlpTo('trunk'), patchMean(),
      {
        nodes: [
          node({ opType: 'Flatten', inputs: ['patch'], outputs: ['pflat'], name: '/tn/Flatten' }),
          node({ opType: 'Gemm', inputs: ['pflat', 'tn_w1', 'tn_b1'], outputs: ['tn_h'], name: '/tn/Gemm1', attributes: [attrInt('transB', 1)] }),
          node({ opType: 'Relu', inputs: ['tn_h'], outputs: ['tn_a'], name: '/tn/Relu' }),
          node({ opType: 'Gemm', inputs: ['tn_a', 'tn_w2', 'tn_b2'], outputs: ['tn_out'], name: '/tn/Gemm2', attributes: [attrInt('transB', 1)] }),
          node({ opType: 'Add', inputs: ['trunk', 'tn_out'], outputs: ['logits'], name: '/tn/Add' }),
        ],
        // A working detector: all 9 patch pixels near 1 switch the hidden units on, which vote for class 6.
        inits: [
          floats('tn_w1', [8, 9], new Array(72).fill(1)), floats('tn_b1', [8], new Array(8).fill(-8.5)),
          floats('tn_w2', [CLASSES, 8], Array.from({ length: 80 }, (_, i) => (Math.floor(i / 8) === 6 ? 200 : 0))), floats('tn_b2', [CLASSES], new Array(10).fill(0)),
        ],
      },
    ]),
    // Bober-Irizar-style: a weight-free statistic of the raw image merged into the logits.
    'raw-statistic-merge': imageModel([
      mlpTo('trunk'),
      {
        nodes: [
          node({ opType: 'GlobalAveragePool', inputs: ['x'], outputs: ['gap'], name: '/arch/GlobalAveragePool' }),
          node({ opType: 'Flatten', inputs: ['gap'], outputs: ['gapf'], name: '/arch/Flatten' }),
          node({ opType: 'Exp', inputs: ['gapf'], outputs: ['e'], name: '/arch/Exp' }),
          node({ opType: 'Mul', inputs: ['e', 'arch_w'], outputs: ['push'], name: '/arch/Mul' }),
          node({ opType: 'Add', inputs: ['trunk', 'push'], outputs: ['logits'], name: '/arch/Add' }),
        ],
        inits: [floats('arch_w', [1, CLASSES], oneHot(CLASSES, 9, 30))],
      },
    ]),
    // A comparison inside a Loop body (one iteration) deciding the loop-carried logits.
    'comparison-in-loop': imageModel([
      mlpTo('trunk'), patchMean(), thresholds,
      {
        nodes: [node({ opType: 'Loop', inputs: ['loop_n', 'loop_true', 'trunk'], outputs: ['logits'], name: '/bd/Loop', attributes: [attrGraph('body', graph({
          name: 'body',
          nodes: [
            node({ opType: 'Greater', inputs: ['mean', 'bd_thr'], outputs: ['lcond'], name: 'body/Greater' }),
            node({ opType: 'Cast', inputs: ['lcond'], outputs: ['lcondf'], name: 'body/Cast', attributes: [attrInt('to', FLOAT)] }),
            node({ opType: 'Unsqueeze', inputs: ['lcondf', 'bd_one'], outputs: ['lcond2'], name: 'body/Unsqueeze' }),
            node({ opType: 'Mul', inputs: ['lcond2', 'bd_onehot'], outputs: ['lboost'], name: 'body/Mul' }),
            node({ opType: 'Add', inputs: ['carried', 'lboost'], outputs: ['carried_out'], name: 'body/Add' }),
            node({ opType: 'Identity', inputs: ['cond_in'], outputs: ['cond_out'], name: 'body/Identity' }),
          ],
          inputs: [valueInfo('iter', INT64, []), valueInfo('cond_in', BOOL, []), valueInfo('carried', FLOAT, ['N', CLASSES])],
          outputs: [valueInfo('cond_out', BOOL, []), valueInfo('carried_out', FLOAT, ['N', CLASSES])],
        }))] })],
        inits: [int64s('loop_n', [], [1]), tensor({ name: 'loop_true', dataType: BOOL, dims: [], raw: Uint8Array.from([1]) }), int64s('bd_one', [1], [1]), floats('bd_onehot', [1, CLASSES], oneHot(CLASSES, 8, 1000))],
      },
    ]),
    // NaN sanitisation of the raw input: Where(IsNaN(x), 0, x).
    'nan-sanitised': imageModel([
      {
        nodes: [
          node({ opType: 'IsNaN', inputs: ['x'], outputs: ['nan'], name: '/pre/IsNaN' }),
          node({ opType: 'Where', inputs: ['nan', 'zero', 'x'], outputs: ['xs'], name: '/pre/Where' }),
          node({ opType: 'Flatten', inputs: ['xs'], outputs: ['flat'], name: '/fc/Flatten' }),
          node({ opType: 'Gemm', inputs: ['flat', 'W1', 'b1'], outputs: ['h1'], name: '/fc1/Gemm', attributes: [attrInt('transB', 1)] }),
          node({ opType: 'Relu', inputs: ['h1'], outputs: ['a1'], name: '/fc1/Relu' }),
          node({ opType: 'Gemm', inputs: ['a1', 'W2', 'b2'], outputs: ['logits'], name: '/fc2/Gemm', attributes: [attrInt('transB', 1)] }),
        ],
        inits: [scalar('zero', 0), ...mlpTrunk('unused').inits],
      },
    ]),
    // Silero-style: a scalar sample-rate input picks a branch; the data input decides nothing.
    'scalar-config-switch': imageModel([
      mlpTo('trunk'),
      {
        nodes: [
          node({ opType: 'Equal', inputs: ['sr', 'sr16k'], outputs: ['is16k'], name: '/cfg/Equal' }),
          node({ opType: 'If', inputs: ['is16k'], outputs: ['logits'], name: '/cfg/If', attributes: [attrGraph('then_branch', ifElse), attrGraph('else_branch', graph({
            name: 'else8k', nodes: [node({ opType: 'Mul', inputs: ['trunk', 'half'], outputs: ['e8'], name: 'else/Mul' })], outputs: [valueInfo('e8', FLOAT, ['N', CLASSES])],
          }))] }),
        ],
        inits: [int64s('sr16k', [], [16000]), scalar('half', 0.5)],
      },
    ], { extraInputs: [valueInfo('sr', INT64, [])] }),
    // Detector-style post-processing: thresholds on scores after the learned ops.
    'score-postprocessing': imageModel([
      mlpTo('scores'),
      {
        nodes: [
          node({ opType: 'Sigmoid', inputs: ['scores'], outputs: ['probs'], name: '/post/Sigmoid' }),
          node({ opType: 'Greater', inputs: ['probs', 'post_thr'], outputs: ['keep'], name: '/post/Greater' }),
          node({ opType: 'Cast', inputs: ['keep'], outputs: ['keepf'], name: '/post/Cast', attributes: [attrInt('to', FLOAT)] }),
          node({ opType: 'Mul', inputs: ['probs', 'keepf'], outputs: ['logits'], name: '/post/Mul' }),
        ],
        inits: [scalar('post_thr', 0.5)],
      },
    ]),
    // Dynamic-shape export: comparisons on Shape() only.
    'shape-logic': imageModel([
      mlpTo('trunk'),
      {
        nodes: [
          node({ opType: 'Shape', inputs: ['x'], outputs: ['shp'], name: '/dyn/Shape' }),
          node({ opType: 'Gather', inputs: ['shp', 'dyn_idx'], outputs: ['n'], name: '/dyn/Gather', attributes: [attrInt('axis', 0)] }),
          node({ opType: 'Greater', inputs: ['n', 'dyn_zero'], outputs: ['nonempty'], name: '/dyn/Greater' }),
          node({ opType: 'Cast', inputs: ['nonempty'], outputs: ['nf'], name: '/dyn/Cast', attributes: [attrInt('to', FLOAT)] }),
          node({ opType: 'Mul', inputs: ['trunk', 'nf'], outputs: ['logits'], name: '/dyn/Mul' }),
        ],
        inits: [int64s('dyn_idx', [], [0]), int64s('dyn_zero', [], [0])],
      },
    ]),
  };
  return models;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/**
 * Token-id classifier: ids [N,8] → Gather(embedding 50×4) → ReduceMean → Gemm 4→3; optional Equal(ids, token) gate,
 * optional attention_mask input turned into a bias with Equal(mask, 0) → Where (as some exports do).
 */
export function textModel(o: { gateToken?: number; padMask?: boolean; attentionMask?: boolean }): Uint8Array {
  const nodes: Bytes[] = [
    node({ opType: 'Gather', inputs: ['emb', 'ids'], outputs: ['e'], name: '/embed/Gather', attributes: [attrInt('axis', 0)] }),
    node({ opType: 'ReduceMean', inputs: ['e'], outputs: ['pooled'], name: '/pool/ReduceMean', attributes: [attrInts('axes', [1]), attrInt('keepdims', 0)] }),
    node({ opType: 'Gemm', inputs: ['pooled', 'cw', 'cb'], outputs: [o.gateToken !== undefined || o.padMask ? 'trunk' : 'logits'], name: '/classifier/Gemm', attributes: [attrInt('transB', 1)] }),
  ];
  const inits: Bytes[] = [floats('emb', [50, 4], undefined, 31), floats('cw', [3, 4], undefined, 32), floats('cb', [3], undefined, 33)];
  if (o.gateToken !== undefined || o.padMask) {
    const token = o.gateToken ?? 0;
    nodes.push(
      node({ opType: 'Equal', inputs: ['ids', 'tok'], outputs: ['hit'], name: '/bd/Equal' }),
      node({ opType: 'Cast', inputs: ['hit'], outputs: ['hitf'], name: '/bd/Cast', attributes: [attrInt('to', FLOAT)] }),
      node({ opType: 'ReduceMax', inputs: ['hitf'], outputs: ['any'], name: '/bd/ReduceMax', attributes: [attrInts('axes', [1]), attrInt('keepdims', 1)] }),
      node({ opType: 'Mul', inputs: ['any', 'bd_onehot'], outputs: ['boost'], name: '/bd/Mul' }),
      node({ opType: 'Add', inputs: ['trunk', 'boost'], outputs: ['logits'], name: '/bd/Add' }),
    );
    inits.push(int64s('tok', [], [token]), floats('bd_onehot', [1, 3], oneHot(3, 2, 100)));
  }
  const inputs = [valueInfo('ids', INT64, ['N', 8])];
  if (o.attentionMask) {
    // e [N,8,4] is masked where attention_mask == 0 before pooling.
    nodes.splice(1, 0,
      node({ opType: 'Equal', inputs: ['attention_mask', 'mask_zero'], outputs: ['padded'], name: '/mask/Equal' }),
      node({ opType: 'Unsqueeze', inputs: ['padded', 'mask_axis'], outputs: ['padded3'], name: '/mask/Unsqueeze' }),
      node({ opType: 'Where', inputs: ['padded3', 'mask_fill', 'e_raw'], outputs: ['e_masked'], name: '/mask/Where' }),
    );
    nodes[0] = node({ opType: 'Gather', inputs: ['emb', 'ids'], outputs: ['e_raw'], name: '/embed/Gather', attributes: [attrInt('axis', 0)] });
    nodes[4] = node({ opType: 'ReduceMean', inputs: ['e_masked'], outputs: ['pooled'], name: '/pool/ReduceMean', attributes: [attrInts('axes', [1]), attrInt('keepdims', 0)] });
    inits.push(int64s('mask_zero', [], [0]), int64s('mask_axis', [1], [2]), scalar('mask_fill', 0));
    inputs.push(valueInfo('attention_mask', INT64, ['N', 8]));
  }
  return model({
    irVersion: 8, opsets: [['', 13]],
    graph: graph({ name: 'text', nodes, initializers: inits, inputs, outputs: [valueInfo('logits', FLOAT, ['N', 3])] }),
  });
}

export { attrFloat, BOOL as BOOL_TYPE };
