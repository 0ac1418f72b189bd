import type { Rng } from '../rng.js';
import type { ImageGeometry } from './geometry.js';
import { blendPattern, patchPattern, type BlendPattern, type PatchPattern } from './patterns.js';
import { overwriteTrigger, wholeImageTrigger, type ImageTrigger } from './trigger.js';

/** Side lengths of square patches: about 8-25 % of the shorter side, at least 2 px, area capped at 25 %. */
export function patchSizes(g: ImageGeometry): number[] {
  const side = Math.min(g.height, g.width);
  const sizes = [0.08, 0.12, 0.18, 0.25].map((f) => Math.max(2, Math.round(side * f)));
  return [...new Set(sizes)].filter((s) => s <= side && (s * s) / (g.height * g.width) <= 0.25);
}

export function patchTrigger(
  g: ImageGeometry,
  spec: { x: number; y: number; size: number; pattern: PatchPattern; seed: number },
): ImageTrigger {
  const { x, y, size } = spec;
  const values = patchPattern(spec.pattern, size, g.channels, g.lo, g.hi, spec.seed);
  const pixels: number[] = [];
  for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) pixels.push((y + dy) * g.width + (x + dx));
  return overwriteTrigger(g, pixels, (c, _p, i) => values[c * size * size + i]!, {
    family: 'patch',
    params: { ...spec },
    controlKey: `patch:${size}`,
  });
}

/** Same size, random location, random binary (lo/hi) pattern: the same area and energy as a patch. */
export function patchControl(g: ImageGeometry, size: number, rng: Rng): ImageTrigger {
  const x = rng.int(g.width - size + 1);
  const y = rng.int(g.height - size + 1);
  return patchTrigger(g, { x, y, size, pattern: 'noise', seed: rng.int(2 ** 31) });
}

export function knownPatches(g: ImageGeometry): ImageTrigger[] {
  const out: ImageTrigger[] = [];
  const patterns: PatchPattern[] = g.channels === 3 ? ['white', 'black', 'checker', 'colour'] : ['white', 'black', 'checker', 'noise'];
  for (const size of patchSizes(g)) {
    const corners: Array<[string, number, number]> = [
      ['top-left', 0, 0],
      ['top-right', g.width - size, 0],
      ['bottom-left', 0, g.height - size],
      ['bottom-right', g.width - size, g.height - size],
      ['centre', Math.floor((g.width - size) / 2), Math.floor((g.height - size) / 2)],
    ];
    for (const [where, x, y] of corners) {
      for (const pattern of patterns) {
        const t = patchTrigger(g, { x, y, size, pattern, seed: 1 });
        t.params['position'] = where;
        out.push(t);
      }
    }
  }
  return out;
}

export function blendTrigger(
  g: ImageGeometry,
  spec: { pattern: BlendPattern; alpha: number; seed: number },
): ImageTrigger {
  const p = blendPattern(spec.pattern, g.channels, g.height, g.width, g.lo, g.hi, spec.seed);
  const plane = g.height * g.width;
  return wholeImageTrigger(
    g,
    () => 1 - spec.alpha,
    (c, y, x) => spec.alpha * p[c * plane + y * g.width + x]!,
    { family: 'blend', params: { ...spec }, controlKey: `blend:${spec.alpha}`, alpha: spec.alpha },
  );
}

export function blendControl(g: ImageGeometry, alpha: number, rng: Rng): ImageTrigger {
  const pattern: BlendPattern = rng.next() < 0.5 ? 'noise' : 'smooth';
  return blendTrigger(g, { pattern, alpha, seed: rng.int(2 ** 31) });
}

export function knownBlends(g: ImageGeometry): ImageTrigger[] {
  const out: ImageTrigger[] = [];
  const patterns: BlendPattern[] = ['noise', 'smooth', 'stripes-h', 'stripes-v', 'checker'];
  for (const alpha of [0.1, 0.2, 0.3]) for (const pattern of patterns) out.push(blendTrigger(g, { pattern, alpha, seed: 1 }));
  return out;
}

export function sparseTrigger(
  g: ImageGeometry,
  spec: { k: number; value: 'max' | 'min' | 'random'; seed: number; pixels?: number[] },
  rng: Rng,
): ImageTrigger {
  const plane = g.height * g.width;
  const chosen = new Set<number>(spec.pixels ?? []);
  while (chosen.size < Math.min(spec.k, plane)) chosen.add(rng.int(plane));
  const pixels = [...chosen];
  const values = pixels.map(() => (spec.value === 'max' ? g.hi : spec.value === 'min' ? g.lo : rng.next() < 0.5 ? g.lo : g.hi));
  return overwriteTrigger(g, pixels, (_c, _p, i) => values[i]!, {
    family: 'sparse',
    params: { k: spec.k, value: spec.value, seed: spec.seed, pixels },
    controlKey: `sparse:${spec.k}`,
  });
}

export function knownSparse(g: ImageGeometry, rng: Rng): ImageTrigger[] {
  const plane = g.height * g.width;
  const ks = [...new Set([Math.max(3, Math.round(plane * 0.01)), Math.max(6, Math.round(plane * 0.03))])];
  const out: ImageTrigger[] = [];
  for (const k of ks) {
    for (const value of ['max', 'min'] as const) {
      const seed = rng.int(2 ** 31);
      out.push(sparseTrigger(g, { k, value, seed }, rng.fork(`sparse:${seed}`)));
    }
  }
  return out;
}

export function sparseControl(g: ImageGeometry, k: number, rng: Rng): ImageTrigger {
  return sparseTrigger(g, { k, value: 'random', seed: rng.int(2 ** 31) }, rng);
}

/** SIG (Barni et al.): additive sinusoid, delta on the 0-255 scale, f periods across the image. */
export function sigTrigger(g: ImageGeometry, spec: { delta255: number; frequency: number; orientation: 'h' | 'v' }): ImageTrigger {
  const amp = (spec.delta255 / 255) * (g.hi - g.lo);
  const f = spec.frequency;
  return wholeImageTrigger(
    g,
    () => 1,
    (_c, y, x) => amp * Math.sin((2 * Math.PI * (spec.orientation === 'h' ? x : y) * f) / (spec.orientation === 'h' ? g.width : g.height)),
    { family: 'sig', params: { ...spec }, controlKey: `sig:${spec.delta255}`, alpha: spec.delta255 / 255 },
  );
}

/** Same energy as a sinusoid of amplitude delta: additive random-sign noise of amplitude delta/sqrt(2). */
export function sigControl(g: ImageGeometry, delta255: number, rng: Rng): ImageTrigger {
  const amp = ((delta255 / 255) * (g.hi - g.lo)) / Math.SQRT2;
  const seed = rng.int(2 ** 31);
  return wholeImageTrigger(g, () => 1, () => (rng.next() < 0.5 ? -amp : amp), {
    family: 'sig-control',
    params: { delta255, seed },
    controlKey: `sig:${delta255}`,
    alpha: delta255 / 255,
  });
}

export function knownSig(g: ImageGeometry): ImageTrigger[] {
  const out: ImageTrigger[] = [];
  for (const delta255 of [20, 40]) for (const orientation of ['h', 'v'] as const) out.push(sigTrigger(g, { delta255, frequency: 6, orientation }));
  return out;
}

/** Per-channel gains (3-channel images only). */
export function filterTrigger(g: ImageGeometry, spec: { name: string; gains: number[] }): ImageTrigger {
  const strength = Math.max(...spec.gains.map((v) => Math.abs(v - 1)));
  const strengthKey = Math.round(strength * 100) / 100;
  return wholeImageTrigger(g, (c) => spec.gains[c] ?? 1, () => 0, {
    family: 'filter',
    params: { ...spec },
    controlKey: `filter:${strengthKey}`,
    alpha: strength,
  });
}

export function knownFilters(g: ImageGeometry): ImageTrigger[] {
  if (g.channels !== 3) return [];
  const filters: Array<[string, number[]]> = [
    ['warm', [1.25, 1.0, 0.75]],
    ['cool', [0.75, 1.0, 1.25]],
    ['green', [0.8, 1.2, 0.8]],
    ['magenta', [1.2, 0.8, 1.2]],
    ['faded', [0.8, 0.8, 0.8]],
  ];
  return filters.map(([name, gains]) => filterTrigger(g, { name, gains }));
}

/**
 * A control for a colour filter: the same gains on other channels (a different colour cast of exactly
 * the same strength); random gains of the same strength when all gains are equal (a brightness change).
 * Random gain vectors would often be nearly the trigger itself: three channels leave few directions.
 */
export function filterControl(g: ImageGeometry, trigger: ImageTrigger, rng: Rng): ImageTrigger {
  const gains = (trigger.params['gains'] as number[] | undefined) ?? [];
  const strength = trigger.alpha ?? 0.25;
  const key = gains.join(',');
  const others = permutations(gains).filter((p) => p.join(',') !== key);
  const chosen =
    others.length > 0
      ? others[rng.int(others.length)]!
      : Array.from({ length: g.channels }, () => 1 + (rng.next() < 0.5 ? -1 : 1) * strength * (0.5 + rng.next() / 2));
  const t = filterTrigger(g, { name: 'control', gains: chosen });
  t.controlKey = trigger.controlKey;
  return t;
}

function permutations(values: number[]): number[][] {
  if (values.length <= 1) return [values.slice()];
  const out: number[][] = [];
  values.forEach((v, i) => {
    for (const rest of permutations([...values.slice(0, i), ...values.slice(i + 1)])) out.push([v, ...rest]);
  });
  return out;
}

/** A control for any trigger, chosen by its control key. */
export function controlFor(g: ImageGeometry, trigger: ImageTrigger, rng: Rng): ImageTrigger {
  const [kind, value] = trigger.controlKey.split(':');
  const v = Number(value);
  switch (kind) {
    case 'patch':
      return patchControl(g, v, rng);
    case 'blend':
      return blendControl(g, v, rng);
    case 'sparse':
      return sparseControl(g, v, rng);
    case 'sig':
      return sigControl(g, v, rng);
    case 'filter':
      return filterControl(g, trigger, rng);
    default:
      throw new Error(`no control rule for ${trigger.controlKey}`);
  }
}
