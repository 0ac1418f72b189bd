import type { ProbeProfile } from '../types.js';

/** A sample seen as channels × height × width (text: 1 × 1 × T; anything else: 1 × 1 × size). */
export interface SampleGeometry {
  channels: number;
  height: number;
  width: number;
  size: number;
  index(c: number, y: number, x: number): number;
  /** Value range a trigger may use. */
  low: number;
  high: number;
  integer: boolean;
}

/** A box [top, top+height) × [left, left+width) across all channels. */
export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

export function geometryOf(profile: ProbeProfile): SampleGeometry {
  const size = profile.sampleShape.reduce((a, b) => a * b, 1);
  const img = profile.image;
  if (img) {
    const { channels, height, width } = img;
    const nchw = img.layout === 'NCHW';
    return {
      channels, height, width, size,
      index: (c, y, x) => (nchw ? (c * height + y) * width + x : (y * width + x) * channels + c),
      low: img.range[0], high: img.range[1], integer: false,
    };
  }
  const integer = profile.inputType !== 'float32';
  const high = profile.text ? profile.text.vocabSize - 1 : 1;
  return { channels: 1, height: 1, width: size, size, index: (_c, _y, x) => x, low: 0, high, integer };
}

export const boxArea = (b: Box): number => b.height * b.width;
export const fullBox = (g: SampleGeometry): Box => ({ top: 0, left: 0, height: g.height, width: g.width });
