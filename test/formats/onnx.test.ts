import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { atLeast } from '../../src/core/severity.js';
import { bufferSource, type ByteSource } from '../../src/core/source.js';
import { looksLikeOnnx, onnxScanner, ONNX_CODES, type OnnxFacts } from '../../src/formats/onnx/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext, type ScanLimits } from '../../src/formats/types.js';
import { build, classifierGraph, classifierModel, customOpModel, expectations, ifHiddenCustomOpModel } from '../../scripts/fixtures/onnx.js';
import {
  FLOAT,
  attrGraph,
  attrString,
  attrTensor,
  concat,
  fBytes,
  fMessage,
  fString,
  fVarint,
  float32Bytes,
  functionProto,
  graph,
  model,
  node,
  tag,
  tensor,
  valueInfo,
  varint,
} from '../../scripts/fixtures/lib/onnx-writer.js';

/** Fixtures are built fresh from the generator, so the tests always exercise what it writes. */
const BUILT = mkdtempSync(join(tmpdir(), 'modelscan-onnx-'));
const FIXTURES = pathToFileURL(join(BUILT, 'onnx') + '/');
beforeAll(() => build(BUILT));

function context(limits: Partial<ScanLimits> = {}): ScanContext {
  return {
    file: 'model.onnx',
    location: [],
    depth: 0,
    limits: { ...DEFAULT_LIMITS, ...limits },
    scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
  };
}

const scan = (bytes: Uint8Array | ByteSource, limits: Partial<ScanLimits> = {}): Promise<FormatReport<OnnxFacts>> =>
  onnxScanner.scan(bytes instanceof Uint8Array ? bufferSource(bytes, 'model.onnx') : bytes, context(limits));
const codes = (r: FormatReport<object>) => r.findings.map((f) => f.code);
const denies = (r: FormatReport<object>) => r.findings.some((f) => atLeast(f.severity, 'medium'));
const OPSET: Array<[string, number]> = [['', 13]];
const withNodes = (nodes: Uint8Array[], opsets = OPSET) => model({ irVersion: 8, opsets, graph: classifierGraph({ nodes }) });

describe('onnx scanner: valid models', () => {
  it('reads the classifier with no findings and exact facts', async () => {
    const r = await scan(classifierModel());
    expect(r.format).toBe('onnx');
    expect(r.findings).toEqual([]);
    expect(r.facts).toMatchObject({
      irVersion: 8,
      opsetImports: [{ domain: '', version: 13 }],
      producerName: 'modelscan-fixtures',
      producerVersion: '1.0',
      graphName: 'classifier',
      nodeCount: 3,
      totalNodeCount: 3,
      opHistogram: { 'ai.onnx::MatMul': 1, 'ai.onnx::Add': 1, 'ai.onnx::Softmax': 1 },
      initializerCount: 2,
      initializerBytes: 48 + 12,
      inlineTensorBytes: 60,
      inputs: [{ name: 'x', kind: 'tensor', elemType: 1, elemTypeName: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'y', kind: 'tensor', elemType: 1, elemTypeName: 'float32', shape: ['N', 3] }],
      subgraphCount: 0,
      functions: [],
      metadataProps: [{ key: 'task', value: 'classification' }],
      externalData: [],
    });
  });

  it('leaves initializers listed as graph inputs (IR < 4 style) out of inputs', async () => {
    const g = graph({
      name: 'g',
      nodes: [node({ opType: 'Add', inputs: ['x', 'B'], outputs: ['y'] })],
      initializers: [tensor({ name: 'B', dataType: FLOAT, dims: [2], floats: [1, 2] })],
      inputs: [valueInfo('x', FLOAT, [1, 2]), valueInfo('B', FLOAT, [2])],
      outputs: [valueInfo('y', FLOAT, [1, 2])],
    });
    const r = await scan(model({ irVersion: 3, opsets: [['', 8]], graph: g }));
    expect(r.findings).toEqual([]);
    expect(r.facts.inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('accepts contrib ops in com.microsoft and unused imports of known domains', async () => {
    const r = await scan(withNodes([node({ opType: 'FusedGemm', domain: 'com.microsoft', inputs: ['y'], outputs: ['z'] })], [...OPSET, ['com.microsoft', 1], ['org.pytorch.aten', 1], ['ai.onnx.ml', 3]]));
    expect(r.findings).toEqual([]);
    expect(r.facts.opHistogram['com.microsoft::FusedGemm']).toBe(1);
  });

  it('accepts an unknown default-domain op that a local function defines', async () => {
    const fn = functionProto({ name: 'FooBar', domain: '', inputs: ['a'], outputs: ['b'], nodes: [node({ opType: 'Relu', inputs: ['a'], outputs: ['b'] })], opsets: OPSET });
    const r = await scan(model({ irVersion: 8, opsets: OPSET, graph: classifierGraph({ nodes: [node({ opType: 'FooBar', inputs: ['y'], outputs: ['z'] })] }), functions: [fn] }));
    expect(r.findings).toEqual([]);
    expect(r.facts.functions).toEqual([{ name: 'FooBar', domain: '', overload: '', nodeCount: 1 }]);
    expect(r.facts.totalNodeCount).toBe(5);
  });

  it('reads dims written packed as well as one varint each', async () => {
    const packedDims = concat(fBytes(1, concat(varint(4), varint(3))), fVarint(2, FLOAT), fString(8, 'W'), fBytes(9, float32Bytes(new Array(12).fill(0))));
    const r = await scan(model({ irVersion: 8, opsets: OPSET, graph: classifierGraph({ weightTensor: packedDims }) }));
    expect(r.findings).toEqual([]);
    expect(r.facts.initializerBytes).toBe(60);
  });

  it('never reads tensor payloads of initializers or Constant nodes', async () => {
    const raw = new Uint8Array(512 * 1024);
    const big = tensor({ name: 'W', dataType: FLOAT, dims: [2048, 1024], raw: new Uint8Array(8 * 1024 * 1024) });
    const constants = Array.from({ length: 8 }, (_, i) =>
      node({ opType: 'Constant', inputs: [], outputs: [`c${i}`], attributes: [attrTensor('value', tensor({ name: `c${i}`, dataType: FLOAT, dims: [128, 1024], raw }))] }),
    );
    const bytes = model({ irVersion: 8, opsets: OPSET, graph: classifierGraph({ weightTensor: big, nodes: constants }) });
    const inner = bufferSource(bytes, 'big.onnx');
    let read = 0;
    const counting: ByteSource = { size: inner.size, label: inner.label, read: async (o, l) => { const b = await inner.read(o, l); read += b.length; return b; } };
    const r = await scan(counting);
    expect(r.findings).toEqual([]);
    expect(r.facts.initializerBytes).toBe(8 * 1024 * 1024 + 12);
    expect(r.facts.inlineTensorBytes).toBe(12 * 1024 * 1024 + 12);
    expect(read).toBeLessThan(256 * 1024);
  });
});

describe('onnx scanner: operators and domains', () => {
  it('flags a custom-domain node as ONNX_CUSTOM_OP (high) with its location', async () => {
    const r = await scan(customOpModel());
    const f = r.findings.find((x) => x.code === 'ONNX_CUSTOM_OP');
    expect(f?.severity).toBe('high');
    expect(f?.evidence).toMatchObject({ domain: 'com.evil', opType: 'Exec', count: 1 });
    expect(String((f?.evidence['locations'] as string[])[0])).toContain('node[3] "exec" com.evil::Exec');
  });

  it('finds a custom op hidden in the else branch of an If', async () => {
    const r = await scan(ifHiddenCustomOpModel());
    const f = r.findings.find((x) => x.code === 'ONNX_CUSTOM_OP');
    expect((f?.evidence['locations'] as string[])[0]).toMatch(/If > else_branch > node\[0\] "hidden" com\.evil::Exec$/);
    expect(r.facts.subgraphCount).toBe(2);
    expect(r.facts.nodeCount).toBe(2);
    expect(r.facts.totalNodeCount).toBe(4);
  });

  it('finds custom ops in graphs nested several If levels deep', async () => {
    let inner = graph({ name: 'leaf', nodes: [node({ opType: 'Exec', domain: 'com.evil', inputs: [], outputs: ['o'] })] });
    for (let i = 0; i < 5; i++) inner = graph({ name: `level${i}`, nodes: [node({ opType: 'If', inputs: ['c'], outputs: ['o'], attributes: [attrGraph('then_branch', inner), attrGraph('else_branch', graph({ name: 'e', nodes: [] }))] })] });
    const r = await scan(model({ irVersion: 8, opsets: [...OPSET, ['com.evil', 1]], graph: inner }));
    expect(codes(r)).toContain('ONNX_CUSTOM_OP');
    expect(r.facts.subgraphCount).toBe(10);
  });

  it('finds a custom op inside a local function body', async () => {
    const r = await scan(await readFile(new URL('function-hidden-custom-op.onnx', FIXTURES)));
    const f = r.findings.find((x) => x.code === 'ONNX_CUSTOM_OP');
    expect((f?.evidence['locations'] as string[])[0]).toContain('function "com.example::SiLU"');
    expect(codes(r)).not.toContain('ONNX_UNKNOWN_OPERATOR');
  });

  it('flags org.pytorch.aten nodes as ONNX_ATEN_OP', async () => {
    const r = await scan(withNodes([node({ opType: 'ATen', domain: 'org.pytorch.aten', inputs: ['y'], outputs: ['z'] })], [...OPSET, ['org.pytorch.aten', 1]]));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_ATEN_OP', 'high']]);
  });

  it('flags com.microsoft PythonOp as ONNX_PYTHON_OP', async () => {
    const r = await scan(withNodes([node({ opType: 'PythonOp', domain: 'com.microsoft', inputs: ['y'], outputs: ['z'], attributes: [attrString('func_name', 'os.system')] })], [...OPSET, ['com.microsoft', 1]]));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_PYTHON_OP', 'high']]);
  });

  it('flags an unknown default-domain operator (also spelled ai.onnx) as ONNX_UNKNOWN_OPERATOR (medium)', async () => {
    const r = await scan(withNodes([node({ opType: 'FooBar', domain: 'ai.onnx', inputs: ['y'], outputs: ['z'] })]));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_UNKNOWN_OPERATOR', 'medium']]);
    expect(r.facts.opHistogram['ai.onnx::FooBar']).toBe(1);
  });

  it('checks ai.onnx.ml operator names too', async () => {
    const ok = await scan(withNodes([node({ opType: 'ZipMap', domain: 'ai.onnx.ml', inputs: ['y'], outputs: ['z'] })], [...OPSET, ['ai.onnx.ml', 3]]));
    expect(ok.findings).toEqual([]);
    const bad = await scan(withNodes([node({ opType: 'RunScript', domain: 'ai.onnx.ml', inputs: ['y'], outputs: ['z'] })], [...OPSET, ['ai.onnx.ml', 3]]));
    expect(codes(bad)).toEqual(['ONNX_UNKNOWN_OPERATOR']);
  });

  it('flags a local function that redefines a standard operator', async () => {
    const fn = functionProto({ name: 'Relu', domain: '', inputs: ['a'], outputs: ['b'], nodes: [node({ opType: 'Identity', inputs: ['a'], outputs: ['b'] })], opsets: OPSET });
    const r = await scan(model({ irVersion: 8, opsets: OPSET, graph: classifierGraph(), functions: [fn] }));
    expect(codes(r)).toEqual(['ONNX_FUNCTION_SHADOWS_OPERATOR']);
  });

  it('reports an unused import of a non-standard domain as low', async () => {
    const r = await scan(withNodes([], [...OPSET, ['com.vendor', 1]]));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_UNKNOWN_OPSET_DOMAIN', 'low']]);
    expect(denies(r)).toBe(false);
  });

  it('reports nodes in a domain the model does not import as ONNX_INVALID_MODEL (low)', async () => {
    const r = await scan(withNodes([node({ opType: 'FusedGemm', domain: 'com.microsoft', inputs: ['y'], outputs: ['z'] })]));
    expect(r.findings.map((f) => [f.code, f.evidence['issue']])).toEqual([['ONNX_INVALID_MODEL', 'domain not imported']]);
  });

  it('flags a domain string that is not UTF-8, and still calls it custom', async () => {
    const n = concat(fString(1, 'y'), fString(2, 'z'), fString(4, 'Relu'), fBytes(7, Uint8Array.from([0x63, 0x6f, 0xff])));
    const r = await scan(withNodes([n]));
    expect(codes(r)).toEqual(expect.arrayContaining(['ONNX_INVALID_UTF8', 'ONNX_CUSTOM_OP']));
  });
});

describe('onnx scanner: wire-level checks', () => {
  it('takes the last of a repeated singular field, and flags the repetition', async () => {
    const r = await scan(await readFile(new URL('duplicate-domain-field.onnx', FIXTURES)));
    expect(codes(r)).toEqual(['ONNX_DUPLICATE_FIELD']);
    expect(r.findings[0]?.evidence).toMatchObject({ message: 'NodeProto', field: 'domain' });
    expect(r.facts.opHistogram['ai.onnx::Relu']).toBe(1);
  });

  it('merges two graph fields like protobuf does, finding the custom op in the second', async () => {
    const r = await scan(await readFile(new URL('split-graph.onnx', FIXTURES)));
    expect(codes(r)).toEqual(expect.arrayContaining(['ONNX_DUPLICATE_FIELD', 'ONNX_CUSTOM_OP']));
    expect(r.facts.nodeCount).toBe(4);
  });

  it('reports a truncated model as ONNX_TRUNCATED and keeps what it read', async () => {
    const r = await scan(await readFile(new URL('truncated.onnx', FIXTURES)));
    expect(codes(r)).toContain('ONNX_TRUNCATED');
    expect(r.facts.irVersion).toBe(8);
    expect(r.facts.producerName).toBe('modelscan-fixtures');
  });

  it('reports a wrong wire type as ONNX_MALFORMED', async () => {
    const r = await scan(await readFile(new URL('bad-wire-type.onnx', FIXTURES)));
    const f = r.findings.find((x) => x.code === 'ONNX_MALFORMED');
    expect(f?.message).toContain('NodeProto.op_type: wire type 0');
    expect(f?.severity).toBe('high');
  });

  it('reports group wire types, field number 0 and fields crossing their message', async () => {
    const group = concat(fVarint(1, 8), tag(9, 3));
    expect(codes(await scan(group))).toContain('ONNX_MALFORMED');
    expect(codes(await scan(concat(fVarint(1, 8), Uint8Array.from([0x00, 0x01]))))).toContain('ONNX_MALFORMED');
    // A node whose op_type claims 50 bytes inside a 10-byte node.
    const crossing = fMessage(7, fBytes(1, concat(tag(4, 2), varint(50), new Uint8Array(8))), new Uint8Array(60));
    const r = await scan(concat(fVarint(1, 8), crossing));
    expect(r.findings.find((f) => f.code === 'ONNX_MALFORMED')?.message).toContain('crosses the end of its message');
  });

  it('reports wrong wire types inside schema-decoded leaves (ValueInfoProto)', async () => {
    const badInfo = concat(fString(1, 'x'), fVarint(2, 5));
    const g = graph({ name: 'g', nodes: [], inputs: [badInfo] });
    const r = await scan(model({ irVersion: 8, opsets: OPSET, graph: g }));
    expect(r.findings.find((f) => f.code === 'ONNX_MALFORMED')?.message).toContain('ValueInfoProto.type');
  });

  it('flags a missing ir_version and a missing graph', async () => {
    const noIr = await scan(await readFile(new URL('no-ir-version.onnx', FIXTURES)));
    expect(noIr.findings.map((f) => f.evidence['reason'])).toContain('missing ir_version');
    const noGraph = await scan(model({ irVersion: 8, opsets: OPSET }));
    expect(noGraph.findings.map((f) => [f.code, f.evidence['reason']])).toEqual([['ONNX_MALFORMED', 'missing graph']]);
  });

  it('flags absurd and future ir_versions differently', async () => {
    const absurd = await scan(model({ irVersion: 5000, opsets: OPSET, graph: classifierGraph() }));
    expect(absurd.findings.map((f) => f.evidence['reason'])).toEqual(['absurd ir_version']);
    const future = await scan(model({ irVersion: 20, opsets: OPSET, graph: classifierGraph() }));
    expect(future.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_IR_VERSION_UNKNOWN', 'low']]);
  });

  it('records unknown fields as info and skips them without reading', async () => {
    const r = await scan(concat(classifierModel(), fBytes(100, new Uint8Array(1000)), fVarint(101, 1)));
    expect(r.findings.map((f) => [f.code, f.severity, f.evidence['field']])).toEqual([
      ['ONNX_UNKNOWN_FIELD', 'info', 100],
      ['ONNX_UNKNOWN_FIELD', 'info', 101],
    ]);
    expect(denies(r)).toBe(false);
  });

  it('stops at the header-bytes limit with ONNX_LIMIT_EXCEEDED', async () => {
    const r = await scan(classifierModel(), { maxHeaderBytes: 100 });
    expect(codes(r)).toContain('ONNX_LIMIT_EXCEEDED');
  });

  it('refuses graphs nested past the depth limit without overflowing the stack', async () => {
    let g = graph({ name: 'leaf', nodes: [] });
    for (let i = 0; i < 80; i++) g = graph({ name: '', nodes: [node({ opType: 'If', inputs: ['c'], outputs: ['o'], attributes: [attrGraph('then_branch', g)] })] });
    const r = await scan(model({ irVersion: 8, opsets: OPSET, graph: g }));
    expect(codes(r)).toContain('ONNX_LIMIT_EXCEEDED');
  });

  it('never claims empty input as a valid model', async () => {
    const r = await scan(new Uint8Array(0));
    expect(r.findings.map((f) => f.evidence['reason'])).toEqual(['missing ir_version', 'missing graph']);
  });
});

describe('looksLikeOnnx', () => {
  const sniff = (bytes: Uint8Array, size = bytes.length) => looksLikeOnnx(bytes.subarray(0, 4096), size);

  it('accepts every generated model, including truncated ones', async () => {
    for (const e of expectations) {
      const path = e.path.endsWith('.onnx') ? e.path : `${e.path}/model.onnx`;
      const bytes = await readFile(join(BUILT, path));
      expect(sniff(bytes), path).toBe(true);
    }
    const full = classifierModel();
    expect(sniff(full.subarray(0, 100), 100)).toBe(true);
    expect(sniff(full.subarray(0, 50), full.length)).toBe(true);
  });

  it('rejects text, JSON, pickles, zips, gzip, safetensors, zeros and empty input', () => {
    const samples: Array<[string, Uint8Array]> = [
      ['text', Buffer.from('hello world, this is a README\n')],
      ['json', Buffer.from('{"model_type": "bert"}')],
      ['pickle', Uint8Array.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e])],
      ['zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0])],
      ['gzip', Uint8Array.from([0x1f, 0x8b, 0x08, 0x00])],
      ['safetensors', Buffer.concat([Buffer.from([0x0e, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":{}}      ')])],
      ['zeros', new Uint8Array(64)],
      ['empty', new Uint8Array(0)],
      ['lone ir_version field claiming a huge graph', concat(fVarint(7, 1))],
    ];
    for (const [name, bytes] of samples) expect(sniff(bytes), name).toBe(false);
  });

  it('requires ir_version or graph among the fields', () => {
    expect(sniff(fString(2, 'producer'))).toBe(false);
    expect(sniff(concat(fString(2, 'producer'), fVarint(1, 8)))).toBe(true);
  });
});

describe('ONNX_CODES', () => {
  it('prefixes every code and documents each one in docs/findings/onnx.md', async () => {
    const doc = await readFile(new URL('../../docs/findings/onnx.md', import.meta.url), 'utf8');
    for (const [code, info] of Object.entries(ONNX_CODES)) {
      expect(code).toMatch(/^ONNX_[A-Z0-9_]+$/);
      expect(doc).toContain(`| \`${code}\` | ${info.severity} |`);
    }
  });
});
