import { createRng } from '../rng.js';

/** Raw pixel values of a square patch pattern, canonical [C][s][s]. */
export type PatchPattern = 'white' | 'black' | 'checker' | 'colour' | 'noise';

export function patchPattern(
  kind: PatchPattern,
  size: number,
  channels: number,
  lo: number,
  hi: number,
  seed: number,
): Float32Array {
  const out = new Float32Array(channels * size * size);
  const rng = createRng(seed);
  const colour = Array.from({ length: channels }, () => lo + rng.next() * (hi - lo));
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (c * size + y) * size + x;
        switch (kind) {
          case 'white':
            out[i] = hi;
            break;
          case 'black':
            out[i] = lo;
            break;
          case 'checker':
            out[i] = (x + y) % 2 === 0 ? hi : lo;
            break;
          case 'colour':
            out[i] = colour[c]!;
            break;
          case 'noise':
            out[i] = rng.next() < 0.5 ? lo : hi;
            break;
        }
      }
    }
  }
  return out;
}

/** Whole-image blend patterns, canonical [C][H][W] raw values. */
export type BlendPattern = 'noise' | 'stripes-h' | 'stripes-v' | 'checker' | 'smooth';

export function blendPattern(
  kind: BlendPattern,
  channels: number,
  height: number,
  width: number,
  lo: number,
  hi: number,
  seed: number,
): Float32Array {
  const out = new Float32Array(channels * height * width);
  const rng = createRng(seed);
  const period = Math.max(2, Math.round(Math.min(height, width) / 8));
  // "smooth": a fixed random low-frequency image (bilinear over a 4x4 grid), a stand-in for a natural picture.
  const grid = Array.from({ length: channels * 16 }, () => rng.next());
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (c * height + y) * width + x;
        let u: number;
        switch (kind) {
          case 'noise':
            u = rng.next();
            break;
          case 'stripes-h':
            u = Math.floor(y / period) % 2;
            break;
          case 'stripes-v':
            u = Math.floor(x / period) % 2;
            break;
          case 'checker':
            u = (Math.floor(x / period) + Math.floor(y / period)) % 2;
            break;
          case 'smooth':
            u = bilinear(grid, c, (y / Math.max(1, height - 1)) * 3, (x / Math.max(1, width - 1)) * 3);
            break;
        }
        out[i] = lo + u * (hi - lo);
      }
    }
  }
  return out;
}

function bilinear(grid: number[], c: number, gy: number, gx: number): number {
  const y0 = Math.min(2, Math.floor(gy));
  const x0 = Math.min(2, Math.floor(gx));
  const fy = gy - y0;
  const fx = gx - x0;
  const at = (y: number, x: number): number => grid[c * 16 + y * 4 + x]!;
  return (
    at(y0, x0) * (1 - fy) * (1 - fx) +
    at(y0, x0 + 1) * (1 - fy) * fx +
    at(y0 + 1, x0) * fy * (1 - fx) +
    at(y0 + 1, x0 + 1) * fy * fx
  );
}
