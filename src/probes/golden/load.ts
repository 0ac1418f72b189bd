import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openFileSource } from '../../core/source.js';
import type { GoldenSet } from '../types.js';
import { GoldenSetError, MAX_ARRAY_BYTES } from './errors.js';
import { parseNpy } from './npy.js';
import { readNpzMembers } from './npz.js';
import { decodeInputs, decodeLabels, type RawArray, type StoredDtype } from './raw-array.js';
import { readSafetensorsArrays } from './safetensors.js';

/** A loaded set remembers how its inputs were stored: uint8 images are 0..255 pixel values. */
export type LoadedGoldenSet = GoldenSet & { storedDtype: StoredDtype };

/** Whole-file bound for a .safetensors golden set (inputs and labels together). */
const MAX_FILE_BYTES = MAX_ARRAY_BYTES + 64 * 1024 * 1024;

/**
 * Loads a trusted labelled set: an .npz (inputs.npy + labels.npy), a folder holding inputs.npy and
 * labels.npy, or a .safetensors file with tensors `inputs` and `labels`. Strict and bounded; throws
 * GoldenSetError with a one-line message naming the file.
 */
export async function loadGoldenSet(path: string): Promise<LoadedGoldenSet> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new GoldenSetError('GOLDEN_NOT_FOUND', `${path}: golden set not found`);
  let inputs: RawArray;
  let labels: RawArray;
  let inputsLabel: string;
  let labelsLabel: string;
  if (info.isDirectory()) {
    inputsLabel = join(path, 'inputs.npy');
    labelsLabel = join(path, 'labels.npy');
    inputs = parseNpy(await readBounded(inputsLabel), inputsLabel);
    labels = parseNpy(await readBounded(labelsLabel), labelsLabel);
  } else if (/\.npz$/i.test(path)) {
    const source = await openFileSource(path, basename(path));
    try {
      const members = await readNpzMembers(source, ['inputs.npy', 'labels.npy']);
      inputsLabel = `${path} > inputs.npy`;
      labelsLabel = `${path} > labels.npy`;
      inputs = parseNpy(members.get('inputs.npy')!, inputsLabel);
      labels = parseNpy(members.get('labels.npy')!, labelsLabel);
    } finally {
      await source.close();
    }
  } else if (/\.safetensors$/i.test(path)) {
    if (info.size > MAX_FILE_BYTES) throw new GoldenSetError('GOLDEN_TOO_LARGE', `${path}: ${info.size} bytes exceeds the ${MAX_FILE_BYTES}-byte limit`);
    const arrays = readSafetensorsArrays(await readFile(path), path, ['inputs', 'labels']);
    inputs = arrays.get('inputs')!;
    labels = arrays.get('labels')!;
    inputsLabel = `${path} > inputs`;
    labelsLabel = `${path} > labels`;
  } else {
    throw new GoldenSetError('GOLDEN_UNSUPPORTED', `${path}: a golden set is an .npz, a .safetensors file or a folder with inputs.npy and labels.npy`);
  }
  return assemble(path, inputs, labels, inputsLabel, labelsLabel);
}

async function readBounded(path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(() => undefined);
  if (!info || !info.isFile()) throw new GoldenSetError('GOLDEN_MEMBER_MISSING', `${path}: missing`);
  if (info.size > MAX_ARRAY_BYTES) throw new GoldenSetError('GOLDEN_TOO_LARGE', `${path}: ${info.size} bytes exceeds the ${MAX_ARRAY_BYTES}-byte limit`);
  return readFile(path);
}

/** Checks the two arrays agree ([N, ...sample] inputs, [N] labels) and decodes them. */
export function assemble(source: string, inputs: RawArray, labels: RawArray, inputsLabel: string, labelsLabel: string): LoadedGoldenSet {
  if (inputs.shape.length < 2) throw new GoldenSetError('GOLDEN_SHAPE_INVALID', `${inputsLabel}: shape [${inputs.shape.join(', ')}] is not [N, ...sample]`);
  const count = inputs.shape[0]!;
  const labelValues = decodeLabels(labels, labelsLabel);
  if (labelValues.length !== count) throw new GoldenSetError('GOLDEN_SHAPE_INVALID', `${source}: ${count} inputs but ${labelValues.length} labels`);
  if (count === 0) throw new GoldenSetError('GOLDEN_SHAPE_INVALID', `${source}: the golden set is empty`);
  const sampleShape = inputs.shape.slice(1);
  if (sampleShape.some((d) => d === 0)) throw new GoldenSetError('GOLDEN_SHAPE_INVALID', `${inputsLabel}: sample shape [${sampleShape.join(', ')}] is empty`);
  return { source, count, sampleShape, inputs: decodeInputs(inputs, inputsLabel), labels: labelValues, storedDtype: inputs.dtype };
}
