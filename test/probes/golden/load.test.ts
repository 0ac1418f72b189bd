import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { GoldenSetError, loadGoldenSet, validateGoldenAgainstProfile } from '../../../src/probes/golden/index.js';
import type { GoldenSet, ProbeProfile } from '../../../src/probes/types.js';
import { npyFile, npyHeader } from '../../../scripts/fixtures/numpy.js';
import { callPickle } from '../../../scripts/fixtures/lib/pickle-writer.js';
import { f32, i64, npy, npz, safetensors } from './writers.js';

const dir = mkdtempSync(join(tmpdir(), 'golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, `${counter++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}
function folder(inputs: Uint8Array, labels: Uint8Array): string {
  const path = join(dir, `${counter++}-set`);
  mkdirSync(path);
  writeFileSync(join(path, 'inputs.npy'), inputs);
  writeFileSync(join(path, 'labels.npy'), labels);
  return path;
}
async function refusal(path: string): Promise<GoldenSetError> {
  const error = await loadGoldenSet(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GoldenSetError);
  expect((error as Error).message).not.toContain('\n');
  return error as GoldenSetError;
}

const pixels = Array.from({ length: 3 * 4 }, (_, i) => i / 12);
const inputsNpy = npy('<f4', [3, 1, 2, 2], f32(pixels));
const labelsNpy = npy('<i8', [3], i64([0, 2, 1]));

describe('loadGoldenSet', () => {
  it('reads the same set from an .npz (deflated and stored), a folder and a .safetensors file', async () => {
    const paths = [
      file('set.npz', npz({ 'inputs.npy': inputsNpy, 'labels.npy': labelsNpy })),
      file('stored.npz', npz({ 'labels.npy': labelsNpy, 'inputs.npy': inputsNpy, 'extra.npy': npy('<f4', [1], f32([1])) }, 0)),
      folder(inputsNpy, labelsNpy),
      file('set.safetensors', safetensors({ dtype: 'F32', shape: [3, 1, 2, 2], data: f32(pixels) }, { dtype: 'I64', shape: [3], data: i64([0, 2, 1]) })),
    ];
    for (const path of paths) {
      const golden = await loadGoldenSet(path);
      expect(golden.source).toBe(path);
      expect(golden.count).toBe(3);
      expect(golden.sampleShape).toEqual([1, 2, 2]);
      expect(golden.inputs).toBeInstanceOf(Float32Array);
      expect(Array.from(golden.inputs as Float32Array)).toEqual(Array.from(Float32Array.from(pixels)));
      expect(Array.from(golden.labels)).toEqual([0, 2, 1]);
    }
  });

  it('converts f8 and u1 inputs to float32 (u1 keeps 0..255) and keeps i8 token ids as int64', async () => {
    const f8 = new Uint8Array(Float64Array.from([0.5, 1.5]).buffer);
    const a = await loadGoldenSet(folder(npy('<f8', [2, 1], f8), npy('|u1', [2], Uint8Array.from([1, 0]))));
    expect(Array.from(a.inputs as Float32Array)).toEqual([0.5, 1.5]);
    expect(Array.from(a.labels)).toEqual([1, 0]);
    const b = await loadGoldenSet(folder(npy('|u1', [1, 3], Uint8Array.from([0, 128, 255]), 2), npy('<i4', [1], new Uint8Array(Int32Array.from([4]).buffer), 3)));
    expect(Array.from(b.inputs as Float32Array)).toEqual([0, 128, 255]);
    const c = await loadGoldenSet(file('tokens.npz', npz({ 'inputs.npy': npy('<i8', [1, 4], i64([5, 6, 7, 0])), 'labels.npy': npy('<i2', [1], new Uint8Array(Int16Array.from([1]).buffer)) })));
    expect(c.inputs).toBeInstanceOf(BigInt64Array);
    expect(Array.from(c.inputs as BigInt64Array, Number)).toEqual([5, 6, 7, 0]);
  });

  it('refuses object arrays without reading the pickle', async () => {
    const pickle = callPickle('os', 'system', 'echo pwned', 3);
    const objectNpy = npyFile(npyHeader(`'|O'`, '(3,)'), pickle);
    expect((await refusal(folder(inputsNpy, objectNpy))).code).toBe('GOLDEN_OBJECT_ARRAY');
    const structured = npyFile(npyHeader(`[('x', '<f4'), ('p', '|O')]`, '(3,)'), pickle);
    expect((await refusal(file('obj.npz', npz({ 'inputs.npy': structured, 'labels.npy': labelsNpy })))).code).toBe('GOLDEN_OBJECT_ARRAY');
    expect((await refusal(folder(npyFile(npyHeader(`'object'`, '(3,)'), pickle), labelsNpy))).code).toBe('GOLDEN_OBJECT_ARRAY');
  });

  it('refuses big-endian, Fortran order, float labels, bad header literals and size mismatches', async () => {
    const cases: Array<[Uint8Array, Uint8Array, string]> = [
      [npy('>f4', [3, 1, 2, 2], f32(pixels)), labelsNpy, 'GOLDEN_DTYPE_UNSUPPORTED'],
      [npyFile(npyHeader(`'<f4'`, '(3, 1, 2, 2)', true), f32(pixels)), labelsNpy, 'GOLDEN_NPY_INVALID'],
      [inputsNpy, npy('<f4', [3], f32([0, 1, 2])), 'GOLDEN_DTYPE_UNSUPPORTED'],
      [npyFile(`{'descr': __import__('os').system('id'), 'fortran_order': False, 'shape': (3,), }`, f32([1, 2, 3])), labelsNpy, 'GOLDEN_NPY_INVALID'],
      [npy('<f4', [3, 1, 2, 2], f32(pixels.slice(1))), labelsNpy, 'GOLDEN_NPY_INVALID'],
      [Buffer.concat([inputsNpy, Buffer.alloc(4)]), labelsNpy, 'GOLDEN_NPY_INVALID'],
      [inputsNpy, npy('<i8', [2], i64([0, 1])), 'GOLDEN_SHAPE_INVALID'],
      [inputsNpy, npy('<i8', [3], i64([0, -1, 1])), 'GOLDEN_LABEL_INVALID'],
      [npy('<f4', [3, 1, 2, 2], f32(pixels.map((v, i) => (i === 5 ? NaN : v)))), labelsNpy, 'GOLDEN_NONFINITE'],
      [npy('<f4', [12], f32(pixels)), npy('<i8', [12], i64(new Array(12).fill(0))), 'GOLDEN_SHAPE_INVALID'],
      [npy('<f4', [0, 4], new Uint8Array(0)), npy('<i8', [0], new Uint8Array(0)), 'GOLDEN_SHAPE_INVALID'],
    ];
    for (const [inputs, labels, code] of cases) expect((await refusal(folder(inputs, labels))).code, code).toBe(code);
  });

  it('refuses unclean archives, missing members and unsupported paths', async () => {
    const good = npz({ 'inputs.npy': inputsNpy, 'labels.npy': labelsNpy });
    expect((await refusal(file('dup.npz', npz({ 'inputs.npy': inputsNpy, 'labels.npy': labelsNpy }).subarray(0, 40)))).code).toBe('GOLDEN_ARCHIVE_INVALID');
    expect((await refusal(file('missing.npz', npz({ 'inputs.npy': inputsNpy })))).code).toBe('GOLDEN_MEMBER_MISSING');
    const { buildZip } = await import('../../../scripts/fixtures/lib/zip-writer.js');
    expect((await refusal(file('crc.npz', buildZip([{ name: 'inputs.npy', data: inputsNpy, crc32: 1 }, { name: 'labels.npy', data: labelsNpy }])))).code).toBe('GOLDEN_ARCHIVE_INVALID');
    expect((await refusal(file('twice.npz', buildZip([{ name: 'inputs.npy', data: inputsNpy }, { name: 'labels.npy', data: labelsNpy }, { name: 'labels.npy', data: labelsNpy }])))).code).toBe('GOLDEN_ARCHIVE_INVALID');
    expect((await refusal(file('prefix.npz', Buffer.concat([Buffer.from('#!/bin/sh\n'), good])))).code).toBe('GOLDEN_ARCHIVE_INVALID');
    expect((await refusal(file('set.pkl', good))).code).toBe('GOLDEN_UNSUPPORTED');
    expect((await refusal(join(dir, 'nope.npz'))).code).toBe('GOLDEN_NOT_FOUND');
    expect((await refusal(file('bad.safetensors', Buffer.from('not safetensors at all')))).code).toBe('GOLDEN_SAFETENSORS_INVALID');
    const onlyInputs = (await import('../../../scripts/fixtures/lib/safetensors-writer.js')).writeSafetensors([{ name: 'inputs', dtype: 'F32', shape: [3, 4], data: f32(pixels) }]);
    expect((await refusal(file('noLabels.safetensors', onlyInputs))).code).toBe('GOLDEN_MEMBER_MISSING');
  });

  it('never crashes or hangs on random or mutated files (property)', async () => {
    const good = {
      npz: npz({ 'inputs.npy': inputsNpy, 'labels.npy': labelsNpy }),
      safetensors: safetensors({ dtype: 'F32', shape: [3, 1, 2, 2], data: f32(pixels) }, { dtype: 'I64', shape: [3], data: i64([0, 2, 1]) }),
      npy: inputsNpy,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'npz' | 'safetensors' | 'npy'>('npz', 'safetensors', 'npy'),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (kind, edits, cut) => {
          const bytes = Buffer.from(good[kind]);
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          const mutated = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
          const path = kind === 'npy' ? folder(mutated, labelsNpy) : file(`m.${kind}`, mutated);
          const outcome: GoldenSet | unknown = await loadGoldenSet(path).catch((e: unknown) => e);
          if (outcome instanceof Error) expect(outcome).toBeInstanceOf(GoldenSetError);
          else expect((outcome as GoldenSet).count).toBe(3);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('validateGoldenAgainstProfile', () => {
  const image: ProbeProfile = {
    task: 'image-classification',
    inputName: 'x',
    outputName: 'y',
    classCount: 3,
    sampleShape: [1, 2, 2],
    inputType: 'float32',
    image: { layout: 'NCHW', channels: 1, height: 2, width: 2, range: [0, 1] },
  };
  const golden = { source: 'g.npz', count: 2, sampleShape: [2, 2], inputs: Float32Array.from([0, 0.5, 1, 0.25, 0, 0, 0, 1]), labels: Int32Array.from([0, 2]) };

  it('accepts a single-channel set without the channel axis and reshapes it to the profile', () => {
    expect(validateGoldenAgainstProfile(golden, image).sampleShape).toEqual([1, 2, 2]);
  });

  it('maps uint8 pixels onto the model range once, however often the set is fitted', async () => {
    const loaded = await loadGoldenSet(folder(npy('|u1', [2, 2, 2], Uint8Array.from([0, 51, 255, 102, 0, 0, 0, 255])), npy('|u1', [2], Uint8Array.from([0, 2]))));
    const once = validateGoldenAgainstProfile(loaded, image);
    expect(Array.from(once.inputs as Float32Array)).toEqual(Array.from(Float32Array.from([0, 0.2, 1, 0.4, 0, 0, 0, 1])));
    expect(Array.from(validateGoldenAgainstProfile(once, image).inputs as Float32Array)).toEqual(Array.from(once.inputs as Float32Array));
    const raw255 = validateGoldenAgainstProfile(loaded, { ...image, image: { ...image.image!, range: [0, 255] } });
    expect(Array.from(raw255.inputs as Float32Array)).toEqual([0, 51, 255, 102, 0, 0, 0, 255]);
    // A float set keeps its values: 0..255 floats against a [0, 1] model are refused, not rescaled.
    const floats = await loadGoldenSet(folder(npy('<f4', [1, 2, 2], f32([0, 51, 255, 0])), npy('|u1', [1], Uint8Array.from([0]))));
    expect(() => validateGoldenAgainstProfile(floats, image)).toThrow(/outside the model's range/);
  });

  it('refuses labels beyond the classes, values outside the range and other shapes', () => {
    const check = (g: typeof golden, p: ProbeProfile = image) => () => validateGoldenAgainstProfile(g, p);
    expect(check({ ...golden, labels: Int32Array.from([0, 3]) })).toThrow(/label #1 is 3 but the model has 3 classes/);
    expect(check({ ...golden, inputs: golden.inputs.map((v) => v * 255) })).toThrow(/outside the model's range \[0, 1\]/);
    expect(check({ ...golden, sampleShape: [4] })).toThrow(GoldenSetError);
  });

  it('converts token ids to the model type and bounds them by the vocabulary', () => {
    const text: ProbeProfile = {
      task: 'text-classification',
      inputName: 'ids',
      outputName: 'y',
      classCount: 2,
      sampleShape: [3],
      inputType: 'int64',
      text: { vocabSize: 10, sequenceLength: 3, specialTokenIds: [0], padId: 0 },
    };
    const tokens = { source: 't', count: 1, sampleShape: [3], inputs: Int32Array.from([1, 9, 0]), labels: Int32Array.from([1]) };
    expect(validateGoldenAgainstProfile(tokens, text).inputs).toEqual(BigInt64Array.from([1n, 9n, 0n]));
    expect(() => validateGoldenAgainstProfile({ ...tokens, inputs: Int32Array.from([1, 10, 0]) }, text)).toThrow(/token id 10/);
    expect(() => validateGoldenAgainstProfile({ ...tokens, inputs: Float32Array.from([1, 2.5, 0]) }, text)).toThrow(/token id 2.5/);
  });
});
