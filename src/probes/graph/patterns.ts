import type { InputArray } from '../runtime/feeds.js';
import type { Box, SampleGeometry } from './geometry.js';

/** What a trigger writes into its box; `values` (gradient-sign) is a whole sample, indexed like the input. */
export interface Pattern {
  kind: 'constant' | 'checker' | 'random' | 'gradient-sign';
  value?: number;
  phase?: number;
  seed?: number;
  values?: Float64Array;
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value a pattern puts at box-relative (c, dy, dx). */
function valueAt(p: Pattern, g: SampleGeometry, box: Box, c: number, dy: number, dx: number, random: () => number): number {
  switch (p.kind) {
    case 'constant':
      return p.value ?? g.high;
    case 'checker':
      return (dy + dx + (p.phase ?? 0)) % 2 === 0 ? g.high : g.low;
    case 'random': {
      const v = g.low + random() * (g.high - g.low);
      return g.integer ? Math.floor(v + 0.5) : v;
    }
    case 'gradient-sign':
      return p.values?.[g.index(c, box.top + dy, box.left + dx)] ?? g.high;
  }
}

/** Copies `n` samples (by index into `source`) and writes the pattern into each one's box. */
export function applyPattern(source: InputArray, indices: readonly number[], g: SampleGeometry, box: Box, p: Pattern): InputArray {
  const out = makeLike(source, indices.length * g.size);
  indices.forEach((sample, k) => {
    copySample(source, sample, out, k, g.size);
    const random = rng(p.seed ?? 1);
    for (let c = 0; c < g.channels; c++) {
      for (let dy = 0; dy < box.height; dy++) {
        for (let dx = 0; dx < box.width; dx++) {
          const v = valueAt(p, g, box, c, dy, dx, random);
          const at = k * g.size + g.index(c, box.top + dy, box.left + dx);
          if (out instanceof BigInt64Array) out[at] = BigInt(Math.round(v));
          else out[at] = out instanceof Int32Array ? Math.round(v) : v;
        }
      }
    }
  });
  return out;
}

export function makeLike(source: InputArray, length: number): InputArray {
  if (source instanceof BigInt64Array) return new BigInt64Array(length);
  if (source instanceof Int32Array) return new Int32Array(length);
  return new Float32Array(length);
}

export function copySample(source: InputArray, from: number, target: InputArray, to: number, size: number): void {
  (target as Float32Array).set((source as Float32Array).subarray(from * size, (from + 1) * size), to * size);
}

export function gather(source: InputArray, indices: readonly number[], size: number): InputArray {
  const out = makeLike(source, indices.length * size);
  indices.forEach((s, k) => copySample(source, s, out, k, size));
  return out;
}

export function describePattern(p: Pattern): Record<string, unknown> {
  if (p.kind === 'constant') return { pattern: 'constant', value: p.value };
  if (p.kind === 'checker') return { pattern: 'checker', phase: p.phase };
  if (p.kind === 'random') return { pattern: 'random', seed: p.seed };
  return { pattern: 'gradient-sign' };
}
