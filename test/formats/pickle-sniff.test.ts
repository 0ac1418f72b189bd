import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../../scripts/fixtures/pickle.js';
import { PickleWriter } from '../../scripts/fixtures/lib/pickle-writer.js';
import { isTorchLegacyMagic, looksLikePickle } from '../../src/formats/pickle/index.js';

const head = (b: Uint8Array): Uint8Array => b.subarray(0, 4096);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('looksLikePickle', () => {
  it('claims every generated fixture, including protocol 0/1 streams without a header', () => {
    for (const [name, bytes] of fixtureBytes()) expect(looksLikePickle(head(bytes)), name).toBe(true);
  });

  it('claims protocol 0 text pickles by structure', () => {
    expect(looksLikePickle(text("(dp0\nS'a'\np1\nI1\ns."))).toBe(true);
    expect(looksLikePickle(text('(lp0\nI1\naI2\na.'))).toBe(true);
    expect(looksLikePickle(text("cos\nsystem\n(S'id'\ntR."))).toBe(true);
    expect(looksLikePickle(new PickleWriter().emptyList().binput(0).mark().int(1).appends().stop().bytes())).toBe(true);
  });

  it('claims a protocol 0 pickle truncated by the sniff window', () => {
    const w = new PickleWriter();
    for (let i = 0; i < 2000; i++) w.int0(i).raw('a');
    expect(looksLikePickle(head(Buffer.concat([text('(lp0\n'), w.bytes()])))).toBe(true);
  });

  it.each([
    ['markdown', '# modelscan\n\nVets models.\n'],
    ['json', '{"a": [1, 2, 3]}'],
    ['json list', '[1, 2, 3]'],
    ['csv', 'id,name\n1,foo\n2,bar\n'],
    ['yaml', 'key: value\nlist:\n  - a\n'],
    ['python', 'import os\nprint(os.getcwd())\n'],
    ['python def', 'def f():\n    return 1\n'],
    ['prose', 'It was a dark and stormy night.\n'],
    ['parenthesised', '(a) first item\n(b) second item\n'],
    ['version line', 'Version 1.2\nSee below.\n'],
    ['empty', ''],
  ])('does not claim %s', (_name, content) => {
    expect(looksLikePickle(text(content))).toBe(false);
  });

  it('does not claim real non-pickle files (ONNX, safetensors)', async () => {
    const root = new URL('../../../shared/realmodels/', import.meta.url);
    const onnx = await readFile(new URL('migraphx-doc/mnist-8.onnx', root));
    const st = await readFile(new URL('python3-compressed-tensors/hadamards.safetensors', root));
    expect(looksLikePickle(head(onnx))).toBe(false);
    expect(looksLikePickle(head(st))).toBe(false);
    expect((await readdir(root)).length).toBeGreaterThan(0);
  });
});

describe('isTorchLegacyMagic', () => {
  const magic = 0x1950a86a20f9469cfc6cn;
  it('recognises the magic number under any protocol', () => {
    expect(isTorchLegacyMagic(new PickleWriter().proto(2).long1(magic).stop().bytes())).toBe(true);
    expect(isTorchLegacyMagic(new PickleWriter().long0(magic).stop().bytes())).toBe(true);
    const body = new PickleWriter().long1(magic).stop().bytes();
    expect(isTorchLegacyMagic(Buffer.concat([new PickleWriter().proto(4).frame(body.length).bytes(), body]))).toBe(true);
  });

  it('rejects other numbers and a magic number computed by eval', () => {
    expect(isTorchLegacyMagic(new PickleWriter().proto(2).long1(magic + 1n).stop().bytes())).toBe(false);
    expect(isTorchLegacyMagic(new PickleWriter().proto(2).global('builtins', 'eval').unicode(String(magic)).tuple1().reduce().stop().bytes())).toBe(false);
    expect(isTorchLegacyMagic(text('PK\x03\x04'))).toBe(false);
  });
});
