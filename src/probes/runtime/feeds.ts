import * as ort from 'onnxruntime-node';
import type { ProbeProfile } from '../types.js';
import type { ProbeRuntimeError, ProbeRuntimeErrorCode } from './errors.js';

export type InputArray = Float32Array | BigInt64Array | Int32Array;
type Fail = (code: ProbeRuntimeErrorCode, message: string) => ProbeRuntimeError;

/**
 * The feeds for samples [start, start + count) as a batch of `rows` (rows > count pads a fixed-batch
 * model with zeros). Without normalisation or conversion the caller's array is passed as a view: no copy.
 */
export function prepareBatch(profile: ProbeProfile, inputs: InputArray, start: number, count: number, rows: number, maskType: 'int64' | 'int32' | 'float32' | undefined, fail: Fail): Record<string, ort.Tensor> {
  const size = profile.sampleShape.reduce((a, b) => a * b, 1);
  const from = start * size;
  const to = from + count * size;
  const dims = [rows, ...profile.sampleShape];
  const feeds: Record<string, ort.Tensor> = {};
  if (profile.inputType === 'float32') {
    feeds[profile.inputName] = new ort.Tensor('float32', floatBatch(profile, inputs, from, to, rows * size, size), dims);
    return feeds;
  }
  const tokens = profile.inputType === 'int64' ? int64Batch(inputs, from, to, rows * size, fail) : int32Batch(inputs, from, to, rows * size, fail);
  feeds[profile.inputName] = new ort.Tensor(profile.inputType, tokens, dims);
  const maskName = profile.text?.attentionMaskInput;
  if (maskName !== undefined && maskType !== undefined) feeds[maskName] = new ort.Tensor(maskType, attentionMask(tokens, count * size, profile.text!.padId, maskType), dims);
  return feeds;
}

function floatBatch(profile: ProbeProfile, inputs: InputArray, from: number, to: number, total: number, size: number): Float32Array {
  const image = profile.image;
  const normalise = image?.mean !== undefined && image.std !== undefined;
  if (inputs instanceof Float32Array && !normalise && to - from === total) return inputs.subarray(from, to);
  const out = new Float32Array(total);
  if (inputs instanceof BigInt64Array) for (let i = from; i < to; i++) out[i - from] = Number(inputs[i]!);
  else out.set(inputs.subarray(from, to));
  if (normalise) {
    const { mean, std, channels, layout, height, width } = image as Required<NonNullable<ProbeProfile['image']>>;
    const plane = height * width;
    const used = to - from;
    for (let i = 0; i < used; i++) {
      const within = i % size;
      const c = channels === 1 ? 0 : layout === 'NCHW' ? Math.floor(within / plane) : within % channels;
      out[i] = (out[i]! - mean[c]!) / std[c]!;
    }
  }
  return out;
}

function int64Batch(inputs: InputArray, from: number, to: number, total: number, fail: Fail): BigInt64Array {
  if (inputs instanceof BigInt64Array && to - from === total) return inputs.subarray(from, to);
  const out = new BigInt64Array(total);
  if (inputs instanceof BigInt64Array) out.set(inputs.subarray(from, to));
  else for (let i = from; i < to; i++) out[i - from] = BigInt(tokenId(inputs[i]!, fail));
  return out;
}

function int32Batch(inputs: InputArray, from: number, to: number, total: number, fail: Fail): Int32Array {
  if (inputs instanceof Int32Array && to - from === total) return inputs.subarray(from, to);
  const out = new Int32Array(total);
  for (let i = from; i < to; i++) {
    const v = inputs[i]!;
    const n = typeof v === 'bigint' ? (v >= -(2n ** 31n) && v < 2n ** 31n ? Number(v) : NaN) : v;
    out[i - from] = tokenId(n, fail);
  }
  return out;
}

function tokenId(v: number, fail: Fail): number {
  if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31) throw fail('PROBE_RUNTIME_INPUT', `token id ${v} is not an integer`);
  return v;
}

function attentionMask(tokens: BigInt64Array | Int32Array, used: number, padId: number, type: 'int64' | 'int32' | 'float32'): BigInt64Array | Int32Array | Float32Array {
  const mask = type === 'int64' ? new BigInt64Array(tokens.length) : type === 'int32' ? new Int32Array(tokens.length) : new Float32Array(tokens.length);
  const pad = BigInt(padId);
  for (let i = 0; i < used; i++) {
    const real = typeof tokens[i] === 'bigint' ? tokens[i] !== pad : tokens[i] !== padId;
    if (mask instanceof BigInt64Array) mask[i] = real ? 1n : 0n;
    else mask[i] = real ? 1 : 0;
  }
  return mask;
}
