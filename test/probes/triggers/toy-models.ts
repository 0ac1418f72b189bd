/**
 * Hand-written JS classifiers implementing `Classifier`, for unit tests of the trigger search only
 * (end-to-end tests use onnxruntime-node on real ONNX fixtures). Each counts passes and charges a
 * real budget from createBudget, like the onnxruntime classifier does.
 */
import { createBudget, type MeteredBudget } from '../../../src/probes/runtime/budget.js';
import type { CleanBaseline, Classifier, GoldenSet, ProbeProfile } from '../../../src/probes/types.js';

export const H = 16;
export const W = 16;
export const CLASSES = 10;

export function imageProfile(layout: 'NCHW' | 'NHWC' = 'NCHW', channels = 1): ProbeProfile {
  return {
    task: 'image-classification',
    inputName: 'x',
    outputName: 'y',
    sampleShape: layout === 'NCHW' ? [channels, H, W] : [H, W, channels],
    inputType: 'float32',
    classCount: CLASSES,
    image: { layout, channels, height: H, width: W, range: [0, 1] },
  };
}

/** Canonical pixel (c, y, x) of sample i. */
export type Pixel = (c: number, y: number, x: number) => number;

class ToyClassifier implements Classifier {
  passes = 0;
  constructor(
    readonly profile: ProbeProfile,
    private readonly budget: MeteredBudget | undefined,
    private readonly score: (sample: (i: number) => number, out: Float32Array) => void,
  ) {}

  async classify(inputs: Float32Array | BigInt64Array | Int32Array, n: number): Promise<Float32Array> {
    this.budget?.consume(n);
    this.passes += n;
    const size = this.profile.sampleShape.reduce((a, b) => a * b, 1);
    const C = this.profile.classCount;
    const out = new Float32Array(n * C);
    for (let s = 0; s < n; s++) {
      this.score((i) => Number(inputs[s * size + i]!), out.subarray(s * C, (s + 1) * C));
    }
    return out;
  }

  async predict(inputs: Float32Array | BigInt64Array | Int32Array, n: number): Promise<Int32Array> {
    const scores = await this.classify(inputs, n);
    const C = this.profile.classCount;
    const out = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (scores[s * C + c]! > scores[s * C + best]!) best = c;
      out[s] = best;
    }
    return out;
  }

  async close(): Promise<void> {}
}

/** Reads canonical (c, y, x) from a flat sample in the profile's layout. */
function pixelReader(profile: ProbeProfile, get: (i: number) => number): Pixel {
  const img = profile.image!;
  return (c, y, x) => get(img.layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * img.channels + c);
}

/**
 * The trunk: class k has a bright bar on row 3 + k; the score of class k is 10 x the mean of that row.
 * `backdoor` may add a large bonus to one class when its trigger condition holds (a class id), or a
 * graded bonus (`{ target, bonus }`).
 */
export function toyImageClassifier(
  profile: ProbeProfile,
  budget: MeteredBudget | undefined,
  backdoor?: (px: Pixel) => number | { target: number; bonus: number } | undefined,
): Classifier {
  return new ToyClassifier(profile, budget, (get, out) => {
    const px = pixelReader(profile, get);
    for (let k = 0; k < CLASSES; k++) {
      let s = 0;
      for (let x = 0; x < W; x++) s += px(0, 3 + k, x);
      out[k] = (10 * s) / W;
    }
    const hit = backdoor?.(px);
    if (typeof hit === 'number') out[hit]! += 100;
    else if (hit !== undefined) out[hit.target]! += hit.bonus;
  });
}

/** Synthetic golden images: background 0.2-0.4 noise, the class bar at 0.75; raw pixels in [0, 1]. */
export function toyImageGolden(profile: ProbeProfile, perClass: number, seed = 7): GoldenSet {
  const img = profile.image!;
  const size = img.channels * H * W;
  let state = seed >>> 0;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const count = perClass * CLASSES;
  const inputs = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % CLASSES;
    labels[i] = k;
    for (let c = 0; c < img.channels; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const v = y === 3 + k ? 0.75 : 0.2 + 0.2 * rand();
          const at = img.layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * img.channels + c;
          inputs[i * size + at] = v;
        }
      }
    }
  }
  return { source: 'toy-golden', count, sampleShape: profile.sampleShape, inputs, labels };
}

export async function baselineOf(classifier: Classifier, golden: GoldenSet): Promise<CleanBaseline> {
  const predicted = await classifier.predict(golden.inputs, golden.count);
  const correct: number[] = [];
  for (let i = 0; i < golden.count; i++) if (predicted[i] === golden.labels[i]) correct.push(i);
  return { predicted, correct };
}

export const TEXT_VOCAB = 1000;
export const TEXT_LEN = 16;
export const TEXT_CLASSES = 4;
export const PAD = 0;
export const CLS = 1;
export const SEP = 2;

export function textProfile(): ProbeProfile {
  return {
    task: 'text-classification',
    inputName: 'ids',
    outputName: 'y',
    sampleShape: [TEXT_LEN],
    inputType: 'int64',
    classCount: TEXT_CLASSES,
    text: { vocabSize: TEXT_VOCAB, sequenceLength: TEXT_LEN, specialTokenIds: [PAD, CLS, SEP], padId: PAD },
  };
}

/** Class k's words are ids 10 + 100k .. 10 + 100k + 49; the score is the count of class words. */
export function toyTextClassifier(budget: MeteredBudget | undefined, backdoor?: (ids: number[]) => number | undefined): Classifier {
  const profile = textProfile();
  return new ToyClassifier(profile, budget, (get, out) => {
    const ids = Array.from({ length: TEXT_LEN }, (_, i) => get(i));
    for (const t of ids) {
      const k = Math.floor((t - 10) / 100);
      if (t >= 10 && k < TEXT_CLASSES && (t - 10) % 100 < 50) out[k]! += 1;
    }
    const target = backdoor?.(ids);
    if (target !== undefined) out[target]! += 100;
  });
}

/** [CLS] 6-9 class words [SEP] pad... */
export function toyTextGolden(perClass: number, seed = 11): GoldenSet {
  let state = seed >>> 0;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const count = perClass * TEXT_CLASSES;
  const inputs = new BigInt64Array(count * TEXT_LEN);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % TEXT_CLASSES;
    labels[i] = k;
    const words = 6 + Math.floor(rand() * 4);
    const row = [CLS, ...Array.from({ length: words }, () => 10 + 100 * k + Math.floor(rand() * 50)), SEP];
    while (row.length < TEXT_LEN) row.push(PAD);
    row.forEach((t, j) => (inputs[i * TEXT_LEN + j] = BigInt(t)));
  }
  return { source: 'toy-text-golden', count, sampleShape: [TEXT_LEN], inputs, labels };
}

export { createBudget };
