/** ONNX files that detection took for text, and external data that is not raw tensor bytes. */
import { describe, expect, it } from 'vitest';
import { FLOAT, concat, fMessage, fString, fVarint, graph, model, node, tensor, valueInfo } from '../../scripts/fixtures/lib/onnx-writer.js';
import { checkFiles, codes } from './helpers.js';

function externalGraph(location: string, length: number): Uint8Array {
  const weight = tensor({ name: 'W', dataType: FLOAT, dims: [length / 4], external: [['location', location], ['offset', '0'], ['length', String(length)]] });
  return graph({ name: 'g', nodes: [node({ opType: 'Identity', inputs: ['W'], outputs: ['Y'] })], initializers: [weight], outputs: [valueInfo('Y', FLOAT, [length / 4])] });
}

const modelFields = (g: Uint8Array) => concat(fVarint(1, 8), fMessage(7, g), fMessage(8, fString(1, ''), fVarint(2, 17)));

describe('ONNX models whose first 4 KiB are printable', () => {
  it('a large printable doc_string first is still ONNX (it used to be "text" and APPROVE)', async () => {
    // doc_string (field 6) with a 3-byte length varint C2 80 20 that is also valid UTF-8: 524354 bytes.
    const doc = Buffer.concat([Buffer.from([0x32, 0xc2, 0x80, 0x20]), Buffer.alloc(66 + 32 * 16384, 'A')]);
    const report = await checkFiles({ 'model.bin': Buffer.concat([doc, modelFields(externalGraph('/etc/passwd', 16))]) });
    expect(report.files[0]?.format).toBe('onnx');
    expect(report.verdict).toBe('DENY');
    expect(codes(report)).toContain('ONNX_EXTERNAL_DATA_ESCAPE');
  });

  it('printable unknown fields first (protobuf skips them) are still ONNX', async () => {
    const unknown = Buffer.concat(Array.from({ length: 40 }, () => Buffer.concat([Buffer.from([0x7a, 0x7f]), Buffer.alloc(127, 'B')])));
    const report = await checkFiles({ 'model.bin': Buffer.concat([unknown, modelFields(externalGraph('/etc/passwd', 16))]) });
    expect(report.files[0]?.format).toBe('onnx');
    expect(report.verdict).toBe('DENY');
    expect(codes(report)).toContain('ONNX_EXTERNAL_DATA_ESCAPE');
  });
});

describe('ONNX external data that is a compressed stream', () => {
  const cases: Array<[string, Buffer]> = [
    ['zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(28, 7)])],
    ['lz4 legacy', Buffer.concat([Buffer.from([0x02, 0x21, 0x4c, 0x18]), Buffer.alloc(28, 7)])],
    // lzma-alone as joblib writes it: 5d, dictionary size, unknown (all-ones) uncompressed size.
    ['lzma', Buffer.concat([Buffer.from([0x5d, 0x00, 0x00, 0x80, 0x00]), Buffer.alloc(8, 0xff), Buffer.alloc(19, 7)])],
  ];
  for (const [kind, bytes] of cases) {
    it(`denies a model whose external data file is ${kind} (joblib.load on it would unpickle)`, async () => {
      const report = await checkFiles({ 'model.onnx': model({ irVersion: 8, opsets: [['', 17]], graph: externalGraph('w.bin', bytes.length) }), 'w.bin': bytes });
      expect(report.verdict).toBe('DENY');
      expect(codes(report)).toContain('ONNX_EXTERNAL_DATA_HIDES_CONTENT');
    });
  }

  it('approves plain float external data', async () => {
    const bytes = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) bytes.writeFloatLE(i * 0.5, i * 4);
    const report = await checkFiles({ 'model.onnx': model({ irVersion: 8, opsets: [['', 17]], graph: externalGraph('w.bin', bytes.length) }), 'w.bin': bytes });
    expect(codes(report)).not.toContain('ONNX_EXTERNAL_DATA_HIDES_CONTENT');
    expect(report.verdict).toBe('APPROVE');
  });
});
