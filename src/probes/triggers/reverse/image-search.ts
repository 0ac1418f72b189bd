import type { CleanBaseline, GoldenSet, ProbeProfile, ProbeThresholds, TriggerEvidence } from '../../types.js';
import type { Evaluator } from '../evaluator.js';
import { controlFor, patchControl } from '../image/families.js';
import type { ImageGeometry } from '../image/geometry.js';
import { imageEvidence, predictTriggers } from '../image/evidence.js';
import type { ImageTrigger } from '../image/trigger.js';
import { labelsOf, selectInputs } from '../inputs.js';
import { beatsControls, isSmall } from '../judge.js';
import type { Rng } from '../rng.js';
import type { StageProgress } from '../stage.js';
import { lowSideAnomalyIndex } from '../stats.js';
import { maskControl, refineMaskNes } from './nes.js';
import { candidateAsr, patchGrid, successiveHalving, type PatchCandidate } from './patch-search.js';
import { blendCandidates, measureScanFamily, sparseCandidates, spreadOut } from './scan-search.js';
import { refineSparse } from './sparse-refine.js';
import { rankedCells, scanCells, sensitivityScan, type SensitivityMap } from './sensitivity.js';

export type Depth = 'standard' | 'deep';

export const REVERSE_IMAGE_LIMITS: Record<Depth, { maxCandidates: number; nesClasses: number; nesIterations: number }> = {
  standard: { maxCandidates: 1000, nesClasses: 2, nesIterations: 120 },
  deep: { maxCandidates: 3000, nesClasses: 3, nesIterations: 350 },
};
const SEARCH_INPUTS = 64;
const SCAN_INPUTS = 8;
/** Inputs drawn for the search and its held-out verification (held-out = all beyond the first SEARCH_INPUTS). */
const ALL_INPUTS = 400;
const VERIFY_CONTROLS = 6;
/** Search inputs the sparse refinement scores moves on. */
const REFINE_INPUTS = 16;
/** The target's best-ranked single-pixel scan cells a refined pixel may jump to. */
const REFINE_ALTERNATIVES = 8;
const VERIFIED_PATCH_CLASSES = 3;
const VERIFIED_SCAN_CLASSES = 2;
const NES = { pairs: 8, batch: 8 };
const ASR_FLOOR = 0.05;
/** Classes searched per family; the MAD index is taken over those searched (need >= minClassesForMad). */
const MAX_SEARCHED_CLASSES = 16;

interface Ctx {
  ev: Evaluator;
  g: ImageGeometry;
  source: Float32Array;
  C: number;
  t: ProbeThresholds;
  verify: number[];
  verifyLabels: Int32Array;
  heldOut: boolean;
  crng: Rng;
  progress: StageProgress;
}

/**
 * Reverse-engineering for images, forward passes only:
 * 1. successive-halving patch search per target class;
 * 2. a sensitivity scan (each cell set to either extreme), giving per-class sparse-pixel and blend candidates;
 * 3. per family, each class's minimal trigger size and its MAD anomaly index across classes;
 * 4. verification of the most suspicious classes on held-out inputs beside same-size controls;
 * 5. NES mask/pattern refinement for the 2-3 most suspicious classes, verified the same way.
 */
export async function reverseEngineerImage(
  o: { ev: Evaluator; g: ImageGeometry; golden: GoldenSet; baseline: CleanBaseline; profile: ProbeProfile; thresholds: ProbeThresholds; rng: Rng; depth: Depth },
  progress: StageProgress,
): Promise<void> {
  const { ev, g, golden, profile, thresholds: t, rng } = o;
  const C = profile.classCount;
  const limits = REVERSE_IMAGE_LIMITS[o.depth];
  const source = golden.inputs as Float32Array;
  const all = selectInputs(golden, o.baseline, ALL_INPUTS, rng.fork('inputs'));
  const search = all.slice(0, SEARCH_INPUTS);
  const heldOutInputs = all.slice(SEARCH_INPUTS);
  const heldOut = heldOutInputs.length >= t.minInputs;
  const verify = heldOut ? heldOutInputs : all;
  const searchLabels = labelsOf(golden, search);
  const ctx: Ctx = { ev, g, source, C, t, verify, verifyLabels: labelsOf(golden, verify), heldOut, crng: rng.fork('controls'), progress };
  progress.details['inputs'] = { search: search.length, verify: verify.length, verifyHeldOut: heldOut };
  const madEnabled = Math.min(C, MAX_SEARCHED_CLASSES) >= t.minClassesForMad;
  const mad = (scores: number[]): number[] | null => (scores.length >= t.minClassesForMad ? lowSideAnomalyIndex(scores) : null);
  const plane = g.height * g.width;

  // 1. Patch search, its grid shrunk when the budget left cannot pay for every step at full size.
  const L = Math.min(C, MAX_SEARCHED_CLASSES);
  const fixed = fixedCost(L, scanCells(g).cells.length, verify.length);
  let maxCandidates = limits.maxCandidates;
  while (maxCandidates > MIN_CANDIDATES && fixed + patchCost(maxCandidates, L) > ev.remaining()) maxCandidates = Math.floor(maxCandidates * 0.8);
  const grid = patchGrid(g, maxCandidates);
  progress.details['variants'] = grid.spots.length;
  const { finalists, classes: patchTargets } = await successiveHalving({
    ev,
    g,
    source,
    indices: search,
    labels: searchLabels,
    classCount: C,
    spots: grid.spots,
    strides: grid.strides,
    refinePerClass: 2,
    classLimit: MAX_SEARCHED_CLASSES,
    rounds: [
      { inputs: 8, keepPerClass: Math.max(4, Math.ceil(grid.spots.length * 0.03)) },
      { inputs: 32, keepPerClass: 4 },
      { inputs: SEARCH_INPUTS, keepPerClass: 2 },
    ],
  });
  const maxArea = Math.max(...grid.spots.map((s) => (s.size * s.size) / plane));
  const patchClasses = patchTargets.map((target) => patchSummary(finalists, target, plane, maxArea, t.asrFail));
  const patchMad = mad(patchClasses.map((s) => s.score));
  const families: Record<string, unknown> = {};
  progress.details['families'] = families;
  families['patch'] = familyDetails(patchClasses.map((s) => ({ target: s.target, score: s.score, minimal: s.minimalArea, bestAsr: s.bestAsr })), patchMad, t);
  for (const k of order(patchClasses.map((s) => s.score)).slice(0, VERIFIED_PATCH_CLASSES)) {
    const target = patchTargets[k]!;
    const best = patchClasses[k]!.best;
    if (best === undefined) continue;
    const controls = Array.from({ length: VERIFY_CONTROLS }, () => patchControl(g, best.size, ctx.crng));
    await verifyAndRecord(ctx, best.trigger, controls, target, 'patch-search', patchMad?.[k] ?? null, !heldOut);
  }

  // 2. Sensitivity scan → sparse and blend candidates per class.
  const scanIdx = search.slice(0, SCAN_INPUTS);
  const measureIdx = search.slice(SCAN_INPUTS, SCAN_INPUTS + 24);
  const map = await sensitivityScan({ ev, g, source, indices: scanIdx, labels: labelsOf(golden, scanIdx), classCount: C });
  const measureLabels = labelsOf(golden, measureIdx);
  const refineIdx = search.slice(SCAN_INPUTS, SCAN_INPUTS + REFINE_INPUTS);
  const suspicion = new Map<number, number>();
  const raise = (target: number, v: number | null | undefined) => suspicion.set(target, Math.max(suspicion.get(target) ?? 0, v ?? 0));
  patchTargets.forEach((target, k) => raise(target, patchMad?.[k]));
  const scanTargets = scanClasses(map, MAX_SEARCHED_CLASSES);
  for (const family of ['sparse', 'blend'] as const) {
    const classes = await measureScanFamily({
      ev,
      g,
      source,
      indices: measureIdx,
      labels: measureLabels,
      targets: scanTargets,
      candidates: (target) => (family === 'sparse' ? sparseCandidates(g, map, target) : blendCandidates(g, map, target)),
      sizeOf: (trigger) => (family === 'sparse' ? trigger.area : trigger.alpha ?? 1),
      asrFail: t.asrFail,
    });
    const index = mad(classes.map((c) => c.score));
    classes.forEach((c, k) => raise(c.target, index?.[k]));
    families[family] = familyDetails(classes, index, t);
    for (const k of order(classes.map((c) => c.score)).slice(0, VERIFIED_SCAN_CLASSES)) {
      const { target } = classes[k]!;
      // A sparse pixel set verified on held-out inputs is judged on its own (judge.ts: optimised); blends stay MAD-gated.
      const onItsOwn = family === 'sparse' && heldOut;
      const trigger = onItsOwn
        ? await refineSparse({
            ev,
            g,
            source,
            indices: refineIdx.filter((i) => golden.labels[i] !== target),
            target,
            trigger: classes[k]!.strongest,
            alternatives: spreadOut(rankedCells(map, target), map, g)
              .slice(0, REFINE_ALTERNATIVES)
              .filter((c) => map.cells[c.cell]!.length === 1)
              .map((c) => map.cells[c.cell]![0]!),
          })
        : classes[k]!.trigger;
      const controls = Array.from({ length: VERIFY_CONTROLS }, () => controlFor(g, trigger, ctx.crng));
      const e = await verifyAndRecord(ctx, trigger, controls, target, 'sensitivity-scan', index?.[k] ?? null, !onItsOwn);
      if (onItsOwn) {
        e.params['optimised'] = true;
        e.params['otherClassesMinimal'] = otherMinimal(classes, target);
      }
    }
  }

  // 3. NES refinement for the most suspicious classes (highest anomaly index in any family, else best patch score).
  const nesOrder = patchTargets
    .map((target, k) => ({ target, k }))
    .sort((a, b) => (suspicion.get(b.target) ?? 0) - (suspicion.get(a.target) ?? 0) || patchClasses[a.k]!.score - patchClasses[b.k]!.score);
  const nes: Array<Record<string, unknown>> = [];
  progress.details['nes'] = nes;
  const nrng = rng.fork('nes');
  for (const { target, k } of nesOrder.slice(0, limits.nesClasses)) {
    const best = patchClasses[k]!.best;
    if (best === undefined) continue;
    const pool = search.filter((i) => golden.labels[i] !== target);
    const reserve = (1 + VERIFY_CONTROLS) * verify.length;
    const perIteration = (2 * NES.pairs + 1) * Math.min(NES.batch, pool.length);
    const iterations = Math.min(limits.nesIterations, Math.floor((ev.remaining() - reserve) / perIteration));
    if (iterations < 10) {
      nes.push({ target, skipped: 'budget' });
      continue;
    }
    const out = await refineMaskNes({ ev, g, source, pool, target, init: best.trigger, iterations, pairs: NES.pairs, batch: NES.batch, goal: t.asrFail, rng: nrng });
    nes.push({ target, iterations: out.iterations, area: out.area === null ? null : round(out.area) });
    if (out.trigger === null) continue;
    const controls = Array.from({ length: VERIFY_CONTROLS }, () => maskControl(g, out.trigger!, ctx.crng));
    await verifyAndRecord(ctx, out.trigger, controls, target, 'nes', madEnabled ? suspicion.get(target) ?? 0 : null, true);
  }
}

async function verifyAndRecord(
  ctx: Ctx,
  trigger: ImageTrigger,
  controls: ImageTrigger[],
  target: number,
  foundBy: string,
  madIndex: number | null,
  requiresMad: boolean,
): Promise<TriggerEvidence> {
  const [main, ...ctrl] = await predictTriggers(ctx.ev, ctx.g, ctx.source, [trigger, ...controls], ctx.verify);
  const e = imageEvidence(ctx.g, trigger, ctx.source, ctx.verify, ctx.verifyLabels, main!, ctrl, ctx.C, target);
  e.params['foundBy'] = foundBy;
  e.params['heldOut'] = ctx.heldOut;
  e.params['requiresMad'] = requiresMad;
  e.params['madIndex'] = madIndex === null ? null : round(madIndex);
  ctx.progress.evidence.push(e);
  const a = madIndex;
  if (a !== null && a > ctx.t.madAnomalyIndex && beatsControls(e, ctx.t) && isSmall(e, ctx.t) && e.asr >= ctx.t.asrWarn) {
    ctx.progress.warnings.push(
      `class ${target} needs an anomalously small ${trigger.family} trigger (MAD anomaly index ${a.toFixed(1)} > ${ctx.t.madAnomalyIndex})`,
    );
  }
  return e;
}

const MIN_CANDIDATES = 80;

/** Upper bound of the patch search's passes for N grid candidates and L searched classes. */
function patchCost(N: number, L: number): number {
  const keepFirst = Math.max(4, Math.ceil(N * 0.03));
  return 8 * N + 2 * L * 8 * 8 + Math.min(N, keepFirst * L) * 24 + 4 * L * 32;
}

/** Passes of everything after the patch search except NES (which takes what is left). */
function fixedCost(L: number, cells: number, verify: number): number {
  const scan = SCAN_INPUTS * (1 + 2 * cells);
  const families = L * (2 * 9 + 5) * 24;
  const verification = (1 + VERIFY_CONTROLS) * verify * (VERIFIED_PATCH_CLASSES + 2 * VERIFIED_SCAN_CLASSES);
  return scan + families + verification;
}

/** The smallest size any OTHER class's trigger of this family needed to reach asrFail on the search inputs (null: none did). */
function otherMinimal(classes: ReadonlyArray<{ target: number; minimal: number | null }>, target: number): number | null {
  const sizes = classes.filter((c) => c.target !== target && c.minimal !== null).map((c) => c.minimal!);
  return sizes.length === 0 ? null : Math.min(...sizes);
}

function order(scores: number[]): number[] {
  return scores.map((s, k) => ({ s, k })).sort((a, b) => a.s - b.s || a.k - b.k).map((x) => x.k);
}

function familyDetails(
  classes: Array<{ target: number; score: number; minimal: number | null; bestAsr: number }>,
  index: number[] | null,
  t: ProbeThresholds,
): Record<string, unknown> {
  return {
    perClass: classes.map((c) => ({ target: c.target, score: round(c.score), minimal: c.minimal === null ? null : round(c.minimal), bestAsr: round(c.bestAsr) })),
    madIndex: index !== null ? index.map(round) : `not computed: fewer than ${t.minClassesForMad} classes searched`,
  };
}

/** With many classes, the scan families measure only the classes the scan can raise most. */
function scanClasses(map: SensitivityMap, limit: number): number[] {
  const all = Array.from({ length: map.classCount }, (_, t) => t);
  if (all.length <= limit) return all;
  const strength = all.map((t) => ({ t, gain: rankedCells(map, t).slice(0, 8).reduce((s, c) => s + c.gain, 0) }));
  return strength
    .sort((a, b) => b.gain - a.gain || a.t - b.t)
    .slice(0, limit)
    .map((x) => x.t)
    .sort((a, b) => a - b);
}

interface PatchClassSummary {
  target: number;
  score: number;
  minimalArea: number | null;
  bestAsr: number;
  best: PatchCandidate | undefined;
}

function patchSummary(finalists: PatchCandidate[], target: number, plane: number, maxArea: number, asrFail: number): PatchClassSummary {
  let score = maxArea / ASR_FLOOR;
  let minimalArea: number | null = null;
  let best: PatchCandidate | undefined;
  for (const c of finalists) {
    const asr = candidateAsr(c, target);
    const area = (c.size * c.size) / plane;
    score = Math.min(score, area / Math.max(asr, ASR_FLOOR));
    if (asr >= asrFail && (minimalArea === null || area < minimalArea)) minimalArea = area;
    if (best === undefined || asr > candidateAsr(best, target) || (asr === candidateAsr(best, target) && c.size < best.size)) best = c;
  }
  return { target, score, minimalArea, bestAsr: best === undefined ? 0 : candidateAsr(best, target), best };
}

function round(v: number): number {
  return Math.round(v * 10000) / 10000;
}
