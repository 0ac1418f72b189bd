/**
 * MNIST-like digits for the mnist-8 false-alarm test: hand-drawn stroke skeletons of 0–9 rendered
 * at 28×28 (white on black, 0..255, digit in the central ~20×20 box) with random scale, slant,
 * shift and stroke width. Deterministic from the seed. Not MNIST: the test keeps only samples
 * that mnist-8 reads as the intended digit with confidence, which makes them weak evidence.
 */
type Point = [number, number];

function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number, steps = 20): Point[] {
  return Array.from({ length: steps + 1 }, (_, i) => {
    const a = from + ((to - from) * i) / steps;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Point;
  });
}

const PI = Math.PI;
/** Skeletons in [-1, 1]² (y down). */
const DIGITS: Point[][][] = [
  [arc(0, 0, 0.55, 0.9, 0, 2 * PI, 28)],
  [[[-0.25, -0.65], [0.1, -0.95], [0.1, 0.95]]],
  [[...arc(0, -0.4, 0.55, 0.5, PI, 2.2 * PI, 14), [-0.6, 0.9], [0.65, 0.9]]],
  [arc(0, -0.47, 0.5, 0.45, 1.1 * PI, 2.5 * PI, 14), arc(0, 0.45, 0.55, 0.48, 1.5 * PI, 2.9 * PI, 14)],
  [[[0.25, -0.95], [-0.6, 0.35], [0.7, 0.35]], [[0.35, -0.3], [0.35, 0.95]]],
  [[[0.6, -0.9], [-0.45, -0.9], [-0.5, -0.1]], arc(0, 0.38, 0.55, 0.52, 1.15 * PI, 2.85 * PI, 16)],
  [[[0.45, -0.95], ...arc(0, 0.4, 0.5, 0.5, 1.05 * PI, 3.05 * PI, 20)]],
  [[[-0.6, -0.9], [0.65, -0.9], [-0.1, 0.95]]],
  [arc(0, -0.47, 0.43, 0.43, 0, 2 * PI, 20), arc(0, 0.45, 0.52, 0.5, 0, 2 * PI, 20)],
  [[...arc(0, -0.4, 0.5, 0.5, 0.05 * PI, 2.05 * PI, 20), [0.45, 0.95]]],
];

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
}

function segmentDistance(px: number, py: number, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len2));
  return Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
}

export const DIGIT_SIDE = 28;

/** `count` digits, labels cycling 0..9, inputs [count, 1, 28, 28] in 0..255. */
export function digitSet(count: number, seed: number): { inputs: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const plane = DIGIT_SIDE * DIGIT_SIDE;
  const inputs = new Float32Array(count * plane);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % 10;
    labels[n] = label;
    const scale = rng.range(8.5, 10);
    const slant = rng.range(-0.25, 0.25);
    const cx = 13.5 + rng.range(-1, 1);
    const cy = 13.5 + rng.range(-1, 1);
    const width = rng.range(2.2, 3.2);
    const strokes = DIGITS[label]!.map((line) => line.map(([x, y]): Point => [cx + scale * (x * 0.9 - y * slant), cy + scale * y]));
    for (let y = 0; y < DIGIT_SIDE; y++) {
      for (let x = 0; x < DIGIT_SIDE; x++) {
        let d = Infinity;
        for (const line of strokes) for (let i = 0; i + 1 < line.length; i++) d = Math.min(d, segmentDistance(x, y, line[i]!, line[i + 1]!));
        inputs[n * plane + y * DIGIT_SIDE + x] = Math.round(255 * Math.max(0, Math.min(1, width / 2 + 0.5 - d)));
      }
    }
  }
  return { inputs, labels };
}
