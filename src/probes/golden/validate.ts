import type { GoldenSet, ProbeProfile } from '../types.js';
import { GoldenSetError } from './errors.js';
import type { LoadedGoldenSet } from './load.js';

/** Slack on the value range: float rounding in preprocessing must not refuse a set. */
const RANGE_SLACK = 1e-3;

/**
 * Checks a golden set fits the profile and returns it in the profile's terms: sample shape equal to
 * profile.sampleShape (a single-channel image set may omit or add the channel axis), labels within
 * [0, classCount), image values within the profile's range, token ids integral and within the vocabulary.
 * Images stored as uint8 are 0..255 pixel values: they are mapped linearly onto the profile's range.
 */
export function validateGoldenAgainstProfile(golden: GoldenSet, profile: ProbeProfile): GoldenSet {
  const fail = (message: string): never => {
    throw new GoldenSetError('GOLDEN_PROFILE_MISMATCH', `${golden.source}: ${message}`);
  };
  const sampleShape = matchShape(golden.sampleShape, profile) ?? fail(`samples are [${golden.sampleShape.join(', ')}] but the model takes [${profile.sampleShape.join(', ')}]`);
  for (let i = 0; i < golden.count; i++) {
    const label = golden.labels[i]!;
    if (label >= profile.classCount) fail(`label #${i} is ${label} but the model has ${profile.classCount} classes`);
  }
  let inputs = golden.inputs;
  let rescaled = false;
  if (profile.task === 'image-classification') {
    if (!(inputs instanceof Float32Array)) fail('image inputs are integers; store them as float32, float64 or uint8');
    const [lo, hi] = profile.image!.range;
    const slack = (hi - lo) * RANGE_SLACK;
    let values = inputs as Float32Array;
    if ((golden as Partial<LoadedGoldenSet>).storedDtype === 'u8' && !(lo === 0 && hi === 255)) {
      values = values.map((v) => lo + (v / 255) * (hi - lo));
      inputs = values;
      rescaled = true;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo - slack || v > hi + slack) fail(`input value ${v} at #${i} is outside the model's range [${lo}, ${hi}]`);
    }
  } else {
    const vocab = profile.text!.vocabSize;
    const ids = profile.inputType === 'int64' ? new BigInt64Array(inputs.length) : new Int32Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const v = Number(inputs[i]!);
      if (!Number.isInteger(v) || v < 0 || v >= vocab) fail(`token id ${v} at #${i} is not within the ${vocab}-token vocabulary`);
      if (ids instanceof BigInt64Array) ids[i] = BigInt(v);
      else ids[i] = v;
    }
    inputs = ids;
  }
  const fitted: GoldenSet & Partial<LoadedGoldenSet> = { ...golden, sampleShape: [...sampleShape], inputs };
  // Fitting twice must not map the pixels twice.
  if (rescaled) fitted.storedDtype = 'f32';
  return fitted;
}

function matchShape(shape: number[], profile: ProbeProfile): number[] | undefined {
  const want = profile.sampleShape;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (same(shape, want)) return want;
  const image = profile.image;
  if (image && image.channels === 1) {
    const spatial = [image.height, image.width];
    const candidates = [spatial, [1, ...spatial], [...spatial, 1]];
    if (candidates.some((c) => same(c, shape)) && want.reduce((a, b) => a * b, 1) === shape.reduce((a, b) => a * b, 1)) return want;
  }
  return undefined;
}
