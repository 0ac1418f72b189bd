import type { ImageGeometry } from './geometry.js';

/**
 * One image trigger as an element-wise affine edit in canonical raw-pixel space:
 * x' = clip(scale * x + shift, lo, hi) on the listed elements. Patches, sparse pixels, blends,
 * sinusoids and colour filters are all of this form, so one apply routine serves every family.
 */
export interface ImageTrigger {
  family: string;
  /** Everything needed to re-apply it (location, size, pattern kind and seed, alpha, ...). */
  params: Record<string, unknown>;
  /** Canonical [C][H][W] indices touched. */
  elements: Int32Array;
  scale: Float32Array;
  shift: Float32Array;
  /** Share of the H*W pixels touched. */
  area: number;
  /** For whole-image families, the alpha-equivalent strength (blend alpha, SIG delta/range, filter gain). */
  alpha?: number;
  /** Triggers with the same key share one set of controls (same family, size and energy). */
  controlKey: string;
}

/** Build a trigger that overwrites the given pixels (all channels) with pattern values (raw). */
export function overwriteTrigger(
  g: ImageGeometry,
  pixels: readonly number[],
  valueOf: (c: number, pixel: number, i: number) => number,
  meta: { family: string; params: Record<string, unknown>; controlKey: string },
): ImageTrigger {
  const plane = g.height * g.width;
  const n = pixels.length * g.channels;
  const elements = new Int32Array(n);
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  let k = 0;
  for (let c = 0; c < g.channels; c++) {
    pixels.forEach((p, i) => {
      elements[k] = c * plane + p;
      shift[k] = valueOf(c, p, i);
      k++;
    });
  }
  return { ...meta, elements, scale, shift, area: pixels.length / plane };
}

/** Build a whole-image trigger from per-element scale/shift in canonical order. */
export function wholeImageTrigger(
  g: ImageGeometry,
  scaleOf: (c: number, y: number, x: number) => number,
  shiftOf: (c: number, y: number, x: number) => number,
  meta: { family: string; params: Record<string, unknown>; controlKey: string; alpha: number },
): ImageTrigger {
  const elements = new Int32Array(g.size);
  const scale = new Float32Array(g.size);
  const shift = new Float32Array(g.size);
  let k = 0;
  for (let c = 0; c < g.channels; c++) {
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        elements[k] = k;
        scale[k] = scaleOf(c, y, x);
        shift[k] = shiftOf(c, y, x);
        k++;
      }
    }
  }
  return { ...meta, elements, scale, shift, area: 1 };
}

/** Copy sample `index` of `source` into `out` at slot `slot`, with the trigger applied. */
export function applyImageTrigger(
  g: ImageGeometry,
  trigger: ImageTrigger,
  source: Float32Array,
  index: number,
  out: Float32Array,
  slot: number,
): void {
  const base = slot * g.size;
  out.set(source.subarray(index * g.size, (index + 1) * g.size), base);
  const plane = g.height * g.width;
  const { elements, scale, shift } = trigger;
  for (let k = 0; k < elements.length; k++) {
    const e = elements[k]!;
    const c = (e / plane) | 0;
    const at = base + g.offsets[e]!;
    const fs = g.feedScale[c]!;
    const fo = g.feedShift[c]!;
    const raw = (out[at]! - fo) / fs;
    let v = scale[k]! * raw + shift[k]!;
    if (v < g.lo) v = g.lo;
    else if (v > g.hi) v = g.hi;
    out[at] = v * fs + fo;
  }
}

/** A batch with the trigger applied to each listed golden sample. */
export function triggeredBatch(
  g: ImageGeometry,
  trigger: ImageTrigger | null,
  source: Float32Array,
  indices: readonly number[],
): Float32Array {
  const out = new Float32Array(indices.length * g.size);
  indices.forEach((index, slot) => {
    if (trigger === null) out.set(source.subarray(index * g.size, (index + 1) * g.size), slot * g.size);
    else applyImageTrigger(g, trigger, source, index, out, slot);
  });
  return out;
}

/** The trigger painted on a mid-grey canvas, as [H][W][C] in [0, 1] for the HTML report. */
export function renderPreview(
  g: ImageGeometry,
  trigger: ImageTrigger,
): { width: number; height: number; channels: number; pixels: number[] } {
  const mid = (g.lo + g.hi) / 2;
  const canvas = new Float32Array(g.size).fill(mid);
  for (let k = 0; k < trigger.elements.length; k++) {
    const e = trigger.elements[k]!;
    canvas[e] = Math.min(g.hi, Math.max(g.lo, trigger.scale[k]! * mid + trigger.shift[k]!));
  }
  return canonicalToPixels(g, canvas);
}

/** Longest side of a preview image; larger inputs are subsampled (nearest pixel) to keep reports small. */
export const MAX_PREVIEW_SIDE = 64;

/** A canonical raw [C][H][W] image as [H][W][C] in [0, 1], at most MAX_PREVIEW_SIDE a side. */
export function canonicalToPixels(
  g: ImageGeometry,
  canonical: Float32Array,
): { width: number; height: number; channels: number; pixels: number[] } {
  const step = Math.max(1, Math.ceil(Math.max(g.height, g.width) / MAX_PREVIEW_SIDE));
  const height = Math.ceil(g.height / step);
  const width = Math.ceil(g.width / step);
  const plane = g.height * g.width;
  const pixels: number[] = new Array(height * width * g.channels);
  for (let c = 0; c < g.channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = (canonical[c * plane + y * step * g.width + x * step]! - g.lo) / (g.hi - g.lo);
        pixels[(y * width + x) * g.channels + c] = Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
      }
    }
  }
  return { width, height, channels: g.channels, pixels };
}

/** One golden sample (model layout, fed values) as canonical raw [C][H][W]. */
export function sampleToCanonical(g: ImageGeometry, sample: Float32Array): Float32Array {
  const plane = g.height * g.width;
  const out = new Float32Array(g.size);
  for (let e = 0; e < g.size; e++) {
    const c = (e / plane) | 0;
    out[e] = (sample[g.offsets[e]!]! - g.feedShift[c]!) / g.feedScale[c]!;
  }
  return out;
}
