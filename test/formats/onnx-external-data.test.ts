import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { onnxScanner, type OnnxFacts } from '../../src/formats/onnx/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';
import { classifierGraph, EXTERNAL_WEIGHTS } from '../../scripts/fixtures/onnx.js';
import { FLOAT, attrGraph, attrTensor, graph, model, node, tensor } from '../../scripts/fixtures/lib/onnx-writer.js';

/** A model whose 4x3 float weight W is external with these entries. */
function externalModel(entries: Array<[string, string]>, dims = [4, 3]): Uint8Array {
  const weightTensor = tensor({ name: 'W', dataType: FLOAT, dims, external: entries });
  return model({ irVersion: 8, opsets: [['', 13]], graph: classifierGraph({ weightTensor }) });
}

/** Writes `files` under a fresh target root and scans `modelRel` in it as the file walker would. */
async function scanOnDisk(files: Record<string, Uint8Array>, modelRel = 'model.onnx', setup?: (root: string) => void): Promise<FormatReport<OnnxFacts>> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'modelscan-onnx-ext-')));
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), bytes);
  }
  setup?.(root);
  const bytes = files[modelRel]!;
  const ctx: ScanContext = {
    file: modelRel,
    location: [],
    depth: 0,
    limits: DEFAULT_LIMITS,
    disk: { absPath: join(root, modelRel), root },
    scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
  };
  return onnxScanner.scan(bufferSource(bytes, modelRel), ctx);
}

const codes = (r: FormatReport<object>) => r.findings.map((f) => f.code);

describe('onnx external data', () => {
  it('accepts data beside the model and reports where it resolved', async () => {
    const r = await scanOnDisk({ 'm/model.onnx': externalModel([['location', 'weights.bin'], ['offset', '0'], ['length', '48']]), 'm/weights.bin': EXTERNAL_WEIGHTS }, 'm/model.onnx');
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_EXTERNAL_DATA', 'info']]);
    expect(r.facts.externalData).toEqual([{ tensor: 'W', location: 'weights.bin', offset: 0, length: 48, resolvedPath: 'm/weights.bin' }]);
    expect(r.facts.initializerBytes).toBe(48 + 12);
  });

  it('accepts a file in a subfolder and a symlink that stays inside the target', async () => {
    const r = await scanOnDisk({ 'model.onnx': externalModel([['location', 'data/link.bin'], ['length', '48']]), 'blobs/w.bin': EXTERNAL_WEIGHTS }, 'model.onnx', (root) => {
      mkdirSync(join(root, 'data'));
      symlinkSync(join(root, 'blobs', 'w.bin'), join(root, 'data', 'link.bin'));
    });
    expect(codes(r)).toEqual(['ONNX_EXTERNAL_DATA']);
    expect(r.facts.externalData[0]?.resolvedPath).toBe('data/link.bin');
  });

  it.each([
    ['../secret', 'has a ".." segment'],
    ['sub/../../secret', 'has a ".." segment'],
    ['..\\..\\secret', 'has a ".." segment'],
    ['/etc/passwd', 'is an absolute path'],
    ['\\\\server\\share\\w.bin', 'is an absolute path'],
    ['C:\\Windows\\win.ini', 'starts with a drive letter'],
    ['weights.bin\0.txt', 'contains a NUL byte'],
  ])('flags location %j as ONNX_EXTERNAL_DATA_ESCAPE (critical)', async (location, reason) => {
    const r = await scanOnDisk({ 'model.onnx': externalModel([['location', location], ['length', '48']]), 'weights.bin': EXTERNAL_WEIGHTS });
    const f = r.findings.find((x) => x.code === 'ONNX_EXTERNAL_DATA_ESCAPE');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence['reason']).toBe(reason);
    expect(r.facts.externalData[0]?.resolvedPath).toBeNull();
  });

  it('flags a symlink inside the folder that points out of the target root', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'modelscan-onnx-outside-'));
    writeFileSync(join(outside, 'secret'), EXTERNAL_WEIGHTS);
    const r = await scanOnDisk({ 'model.onnx': externalModel([['location', 'weights.bin'], ['length', '48']]) }, 'model.onnx', (root) => {
      symlinkSync(join(outside, 'secret'), join(root, 'weights.bin'));
    });
    const f = r.findings.find((x) => x.code === 'ONNX_EXTERNAL_DATA_ESCAPE');
    expect(f?.evidence['reason']).toBe('symlink leaves the target root');
  });

  it('flags the onnxruntime memory-address tag as critical', async () => {
    const r = await scanOnDisk({ 'model.onnx': externalModel([['location', '*/_ORT_MEM_ADDR_/*'], ['offset', '140737488355328'], ['length', '48']]) });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['ONNX_EXTERNAL_DATA_MEMORY_ADDRESS', 'critical']]);
  });

  it('flags a missing file and a folder given as the location', async () => {
    const missing = await scanOnDisk({ 'model.onnx': externalModel([['location', 'nope.bin']]) });
    expect(codes(missing)).toEqual(['ONNX_EXTERNAL_DATA_MISSING']);
    const folder = await scanOnDisk({ 'model.onnx': externalModel([['location', 'dir']]) }, 'model.onnx', (root) => mkdirSync(join(root, 'dir')));
    expect(folder.findings[0]?.message).toContain('is not a regular file');
  });

  it('flags offset+length past the end, and an implied length past the end', async () => {
    const r = await scanOnDisk({ 'model.onnx': externalModel([['location', 'w.bin'], ['offset', '8'], ['length', '48']]), 'w.bin': EXTERNAL_WEIGHTS.subarray(0, 16) });
    expect(r.findings.find((f) => f.code === 'ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS')?.evidence).toMatchObject({ offset: 8, length: 48, fileSize: 16 });
    const implied = await scanOnDisk({ 'model.onnx': externalModel([['location', 'w.bin'], ['offset', '4']]), 'w.bin': EXTERNAL_WEIGHTS });
    expect(codes(implied)).toContain('ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS');
    const exact = await scanOnDisk({ 'model.onnx': externalModel([['location', 'w.bin']]), 'w.bin': EXTERNAL_WEIGHTS });
    expect(codes(exact)).toEqual(['ONNX_EXTERNAL_DATA']);
  });

  it.each([
    [[['offset', '0']], 'no location'],
    [[['location', 'w.bin'], ['offset', '12abc']], 'offset "12abc" is not a non-negative decimal integer'],
    [[['location', 'w.bin'], ['length', '-4']], 'length "-4" is not a non-negative decimal integer'],
    [[['location', 'w.bin'], ['location', 'other.bin']], 'key "location" repeated'],
    [[['location', 'w.bin'], ['loader', 'x']], 'unknown key "loader"'],
  ] as Array<[Array<[string, string]>, string]>)('flags malformed entries %j as ONNX_EXTERNAL_DATA_INVALID', async (entries, problem) => {
    const r = await scanOnDisk({ 'model.onnx': externalModel(entries), 'w.bin': EXTERNAL_WEIGHTS });
    const f = r.findings.find((x) => x.code === 'ONNX_EXTERNAL_DATA_INVALID');
    expect(f?.severity).toBe('high');
    expect(f?.evidence['problems']).toContain(problem);
  });

  it('flags external data of a nested model (no disk) as ONNX_EXTERNAL_DATA_NESTED', async () => {
    const ctx: ScanContext = {
      file: 'archive.zip',
      location: ['model.onnx'],
      depth: 1,
      limits: DEFAULT_LIMITS,
      scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
    };
    const r = await onnxScanner.scan(bufferSource(externalModel([['location', 'weights.bin']]), 'archive.zip > model.onnx'), ctx);
    expect(r.findings.map((f) => [f.code, f.severity, f.location])).toEqual([['ONNX_EXTERNAL_DATA_NESTED', 'high', 'model.onnx']]);
  });

  it('still reports an escaping location in a nested model as critical', async () => {
    const ctx: ScanContext = { file: 'a.zip', location: ['m.onnx'], depth: 1, limits: DEFAULT_LIMITS, scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }) };
    const r = await onnxScanner.scan(bufferSource(externalModel([['location', '../../etc/shadow']]), 'm'), ctx);
    expect(codes(r)).toEqual(['ONNX_EXTERNAL_DATA_ESCAPE']);
  });
});

describe('onnx external data outside the main initializers', () => {
  it('checks external tensors of Constant nodes inside If subgraphs', async () => {
    const constant = node({ opType: 'Constant', inputs: [], outputs: ['c'], attributes: [attrTensor('value', tensor({ name: 'hidden', dataType: FLOAT, dims: [1], external: [['location', '../../../etc/passwd']] }))] });
    const branch = graph({ name: 'b', nodes: [constant] });
    const g = graph({ name: 'g', nodes: [node({ opType: 'If', inputs: ['cond'], outputs: ['c'], attributes: [attrGraph('then_branch', branch), attrGraph('else_branch', branch)] })] });
    const r = await scanOnDisk({ 'model.onnx': model({ irVersion: 8, opsets: [['', 13]], graph: g }) });
    const escapes = r.findings.filter((f) => f.code === 'ONNX_EXTERNAL_DATA_ESCAPE');
    expect(escapes).toHaveLength(2);
    expect(escapes[0]?.evidence['path']).toContain('If > then_branch > node[0] Constant > value');
    expect(r.facts.externalData.map((e) => e.tensor)).toEqual(['hidden', 'hidden']);
  });
});
