import type { ProbeProfile } from '../../types.js';

/**
 * Where each pixel of a sample lives and which values it may take. Triggers are described in a
 * canonical [C][H][W] raw-pixel space; `offsets` maps each canonical element to its place in the
 * model's own layout (NCHW or NHWC), so every family works on either layout.
 */
export interface ImageGeometry {
  channels: number;
  height: number;
  width: number;
  /** Elements per sample. */
  size: number;
  lo: number;
  hi: number;
  /** canonical (c*H + y)*W + x → offset inside one sample of the model's layout. */
  offsets: Int32Array;
  /** Per-channel (scale, shift) from raw pixels to fed values: fed = raw * scale + shift. */
  feedScale: Float32Array;
  feedShift: Float32Array;
}

export class TriggerSetupError extends Error {
  readonly code = 'TRIGGER_PROFILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TriggerSetupError';
  }
}

/**
 * `inputsNormalised`: whether golden samples are already (x - mean) / std (the model's fed values);
 * when false (the default) they are raw pixels in `range` and fed as they are.
 */
export function imageGeometry(profile: ProbeProfile, inputsNormalised = false): ImageGeometry {
  const img = profile.image;
  if (profile.task !== 'image-classification' || img === undefined) {
    throw new TriggerSetupError('image trigger search needs an image profile');
  }
  const { channels, height, width, layout } = img;
  if (![channels, height, width].every((v) => Number.isInteger(v) && v > 0)) {
    throw new TriggerSetupError(`image profile has invalid dimensions ${channels}x${height}x${width}`);
  }
  const [lo, hi] = img.range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new TriggerSetupError(`image profile has an invalid value range [${lo}, ${hi}]`);
  }
  const size = channels * height * width;
  const offsets = new Int32Array(size);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const canonical = (c * height + y) * width + x;
        offsets[canonical] = layout === 'NCHW' ? canonical : (y * width + x) * channels + c;
      }
    }
  }
  const feedScale = new Float32Array(channels).fill(1);
  const feedShift = new Float32Array(channels);
  if (inputsNormalised && img.mean !== undefined && img.std !== undefined) {
    for (let c = 0; c < channels; c++) {
      const std = img.std[c] ?? img.std[0] ?? 1;
      const mean = img.mean[c] ?? img.mean[0] ?? 0;
      feedScale[c] = 1 / std;
      feedShift[c] = -mean / std;
    }
  }
  return { channels, height, width, size, lo, hi, offsets, feedScale, feedShift };
}
