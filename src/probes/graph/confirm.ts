import { isMeteredBudget } from '../runtime/budget.js';
import { BudgetExhaustedError, ProbeRuntimeError, oneLine } from '../runtime/errors.js';
import { binomialTailGE } from '../stats/binomial.js';
import type { CleanBaseline, GoldenSet, ProbeBudget, ProbeProfile, ProbeThresholds, StageOutcome, StageResult, TriggerEvidence } from '../types.js';
import { GraphError } from './errors.js';
import { exposeTensors } from './expose.js';
import { boxArea, fullBox, geometryOf, type Box, type SampleGeometry } from './geometry.js';
import { applyPattern, describePattern, gather, type Pattern } from './patterns.js';
import { TimeLimitError } from '../deadline.js';
import { ExposedRunner } from './runner.js';
import { GateSearch, TRIGGERED, argmax, constantValue, pickSamples, type GateTarget, type Trial } from './search.js';
import { isStrongGate } from './stage.js';
import type { GraphAnalysis, StaticRegion } from './types.js';

export interface ConfirmOptions {
  model: Uint8Array;
  analysis: GraphAnalysis;
  profile: ProbeProfile;
  golden: GoldenSet;
  baseline: CleanBaseline;
  budget: ProbeBudget;
  thresholds: ProbeThresholds;
  /** Per-pass limit of the gate-exposed session (worker thread); default DEFAULT_EXPOSED_RUN_TIMEOUT_MS. */
  runTimeoutMs?: number;
  /** The per-model time limit (probes.time_limit): no pass starts after `at` (epoch ms). */
  deadline?: { at: number; limitMs: number };
}

/** Per-target record in the stage details (stable keys). */
export interface GateConfirmation {
  target: string;
  gates: string[];
  nodes: string[];
  /** Exposed gate tensors that held one value on every clean golden sample. */
  constantOnClean: string[];
  triggered: boolean;
  outcome: StageOutcome;
  note?: string;
}

const CLEAN_SAMPLES = 128;
const PROBE_SAMPLES = 16;
const ASR_SAMPLES = 128;
const CONTROL_SEEDS = [101, 102, 103];

/** A static region (input-tensor coordinates) as a box over the sample geometry. */
function regionBox(region: StaticRegion | undefined, profile: ProbeProfile, g: SampleGeometry): Box | null {
  if (!region || region.input !== profile.inputName) return null;
  const rank = profile.sampleShape.length + 1;
  const image = profile.image;
  const rowAxis = image ? (image.layout === 'NCHW' ? 2 : 1) : -1;
  const colAxis = image ? (image.layout === 'NCHW' ? 3 : 2) : 1;
  if (region.elements && region.elements.length > 0) {
    const coords = region.elements.map((i) => {
      if (!image) return { y: 0, x: i };
      const plane = g.height * g.width;
      return image.layout === 'NCHW' ? { y: Math.floor((i % plane) / g.width), x: i % g.width } : { y: Math.floor(i / (g.width * g.channels)), x: Math.floor(i / g.channels) % g.width };
    });
    const top = Math.min(...coords.map((c) => c.y));
    const left = Math.min(...coords.map((c) => c.x));
    return { top, left, height: Math.max(...coords.map((c) => c.y)) - top + 1, width: Math.max(...coords.map((c) => c.x)) - left + 1 };
  }
  const box = fullBox(g);
  const dimOf = (axis: number) => (axis === rowAxis ? g.height : axis === colAxis ? g.width : Infinity);
  (region.axes ?? []).forEach((raw, k) => {
    const axis = raw < 0 ? raw + rank : raw;
    if (axis !== rowAxis && axis !== colAxis) return;
    const dim = dimOf(axis);
    const clamp = (v: number) => Math.max(0, Math.min(dim, v < 0 ? v + dim : v));
    const start = clamp(region.starts?.[k] ?? 0);
    const end = clamp(region.ends?.[k] ?? dim);
    if (end <= start) return;
    if (axis === rowAxis) Object.assign(box, { top: start, height: end - start });
    else Object.assign(box, { left: start, width: end - start });
  });
  return box;
}

function union(boxes: Array<Box | null>): Box | null {
  const list = boxes.filter((b): b is Box => b !== null);
  if (list.length === 0) return null;
  const top = Math.min(...list.map((b) => b.top));
  const left = Math.min(...list.map((b) => b.left));
  return { top, left, height: Math.max(...list.map((b) => b.top + b.height)) - top, width: Math.max(...list.map((b) => b.left + b.width)) - left };
}

function targetsOf(analysis: GraphAnalysis, profile: ProbeProfile, g: SampleGeometry): Array<GateTarget & { expose: string[] }> {
  const byCluster = new Map<number, GraphAnalysis['gates']>();
  for (const g of analysis.gates) byCluster.set(g.cluster, [...(byCluster.get(g.cluster) ?? []), g]);
  const targets: Array<GateTarget & { expose: string[] }> = [];
  for (const [cluster, gates] of byCluster) {
    const probes = new Map<string, number>();
    for (const g of gates) {
      const direction = g.direction === 'up' ? 1 : g.direction === 'down' ? -1 : 0;
      for (const p of g.probe) probes.set(p, probes.get(p) ?? direction);
    }
    const outputs = new Set(analysis.outputs);
    targets.push({
      id: `cluster ${cluster}`,
      gates: gates.map((x) => x.id),
      nodes: gates.map((x) => x.node),
      watch: [],
      watchOrder: gates.filter((x) => x.scope === '').reverse().flatMap((x) => x.expose).filter((n) => !outputs.has(n)),
      region: union(gates.map((x) => regionBox(x.region, profile, g))),
      probes: [...probes].map(([name, direction]) => ({ name, direction })),
      constants: [...new Set(gates.flatMap((x) => x.constants))],
      strong: gates.some(isStrongGate),
      expose: [...new Set(gates.flatMap((x) => [...x.expose, ...x.probe]))],
    });
  }
  // A bypass that runs through a flagged gate is confirmed with that gate.
  const gated = new Set(analysis.gates.flatMap((x) => x.path));
  for (const b of analysis.bypasses) {
    if (b.path.some((n) => gated.has(n))) continue;
    targets.push({
      id: b.id, gates: [b.id], nodes: [b.entry, b.mergeNode], watch: [], watchOrder: [], region: regionBox(b.region, profile, g),
      probes: b.expose.map((name) => ({ name, direction: 0 })), constants: [], strong: true, expose: b.expose,
    });
  }
  return targets.sort((a, b) => Number(b.strong) - Number(a.strong));
}

function judge(e: TriggerEvidence, t: ProbeThresholds): StageOutcome {
  const beats = e.asr - e.controlAsr >= t.controlMargin || e.pValue < t.pValue;
  if (beats && e.asr >= t.asrFail && e.inputs >= t.minInputs && e.sourceClasses >= t.minSourceClasses) return 'fail';
  return e.asr >= t.asrWarn ? 'warn' : 'none';
}

const worse = (a: StageOutcome, b: StageOutcome): StageOutcome => (a === 'fail' || b === 'fail' ? 'fail' : a === 'warn' || b === 'warn' ? 'warn' : 'none');

async function measure(runner: ExposedRunner, golden: GoldenSet, baseline: CleanBaseline, g: SampleGeometry, best: Trial, target: GateTarget, profile: ProbeProfile): Promise<TriggerEvidence> {
  const eligible = pickSamples(golden, baseline, ASR_SAMPLES, best.target);
  const classes = profile.classCount;
  const rate = async (box: Box, pattern: Pattern): Promise<{ flips: number; predicted: number[] }> => {
    const { logits } = await runner.run(applyPattern(golden.inputs, eligible, g, box, pattern), eligible.length);
    const predicted = eligible.map((_, k) => argmax(logits, k, classes));
    return { flips: predicted.filter((p) => p === best.target).length, predicted };
  };
  const main = await rate(best.box, best.pattern);
  let controlAsr = 0;
  let nullRate = 1 / (eligible.length + 2);
  // Controls: random content of the same size in the same place. (The same pattern elsewhere is no control
  // for a gate: many gates are position-invariant, e.g. a token anywhere in the sequence.)
  const controls: Array<[Box, Pattern]> = CONTROL_SEEDS.map((seed) => [best.box, { kind: 'random', seed }]);
  for (const [box, pattern] of controls) {
    if (runner.remaining < eligible.length) break;
    const c = await rate(box, pattern);
    controlAsr = Math.max(controlAsr, c.flips / Math.max(1, eligible.length));
    nullRate = Math.max(nullRate, (c.flips + 1) / (eligible.length + 2));
  }
  const n = eligible.length;
  const sourceClasses = new Set(eligible.map((i) => golden.labels[i]!)).size;
  const text = profile.task === 'text-classification';
  return {
    family: 'graph-gate',
    params: {
      gate: target.gates.join(', '),
      nodes: target.nodes,
      region: text ? { positions: [best.box.left, best.box.left + best.box.width - 1] } : best.box,
      value: describePattern(best.pattern),
    },
    targetClass: best.target,
    asr: n === 0 ? 0 : main.flips / n,
    inputs: n,
    sourceClasses,
    controlAsr,
    pValue: binomialTailGE(main.flips, n, Math.min(1, nullRate)),
    size: text ? best.box.width : boxArea(best.box) / (g.height * g.width),
    preview: text
      ? { tokens: [...new Set(Array.from(applyPattern(golden.inputs, [eligible[0] ?? 0], g, best.box, best.pattern) as ArrayLike<number | bigint>).slice(best.box.left, best.box.left + best.box.width).map(Number))] }
      : previewOf(g, best),
  };
}

function previewOf(g: SampleGeometry, t: Trial): TriggerEvidence['preview'] {
  const pixels: number[] = [];
  const blank = new Float32Array(g.size).fill(g.low);
  const drawn = applyPattern(blank, [0], g, t.box, t.pattern) as Float32Array;
  const span = g.high - g.low || 1;
  for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) for (let c = 0; c < g.channels; c++) pixels.push((drawn[g.index(c, y, x)]! - g.low) / span);
  return { width: g.width, height: g.height, channels: g.channels, pixels };
}

/**
 * Dynamic confirmation of the statically flagged gates (stage 'gate-confirmation'): exposes them as
 * outputs, checks they are constant on the clean golden set, searches for an input that flips them,
 * and measures the full model's attack success rate with it beside random controls.
 */
export async function confirmGates(o: ConfirmOptions): Promise<StageResult> {
  const started = performance.now();
  const g = geometryOf(o.profile);
  const targets = targetsOf(o.analysis, o.profile, g);
  const base = { stage: 'gate-confirmation' as const, passes: 0, details: {} as Record<string, unknown> };
  if (targets.length === 0) {
    return { ...base, status: 'not-applicable', outcome: 'none', summary: 'no statically flagged gate to confirm', durationMs: 0 };
  }
  const notes: string[] = [];
  let exposedNames = [...new Set(targets.flatMap((t) => t.expose))].filter((n) => n !== o.profile.outputName);
  let bytes: Uint8Array;
  try {
    bytes = exposeTensors(o.model, exposedNames);
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    notes.push(`gate tensors not exposed (${error.message}); watching the model's predictions only`);
    exposedNames = [];
    bytes = o.model;
  }
  let runner: ExposedRunner;
  try {
    runner = await ExposedRunner.open(bytes, o.profile, exposedNames, o.budget, {
      ...(o.runTimeoutMs !== undefined ? { runTimeoutMs: o.runTimeoutMs } : {}),
      ...(o.deadline ? { deadline: o.deadline } : {}),
    });
  } catch (error) {
    return { ...base, status: 'failed', outcome: 'warn', summary: `gate confirmation could not run: ${oneLine(error)}`, durationMs: performance.now() - started, details: { notes } };
  }
  const confirmations: GateConfirmation[] = [];
  const triggers: TriggerEvidence[] = [];
  let status: StageResult['status'] = 'ran';
  let outcome: StageOutcome = 'none';
  try {
    const cleanSamples = pickSamples(o.golden, o.baseline, CLEAN_SAMPLES);
    if (cleanSamples.length === 0) throw new ProbeRuntimeError('PROBE_RUNTIME_INPUT', 'no correctly classified golden sample to start from');
    const cleanRun = await runner.run(gather(o.golden.inputs, cleanSamples, g.size), cleanSamples.length);
    const clean = new Map<string, Float64Array>();
    for (const name of exposedNames) {
      const value = constantValue(cleanRun.exposed.get(name));
      if (value) clean.set(name, value);
    }
    for (const target of targets) {
      target.watch = target.watchOrder.filter((n) => clean.has(n)).slice(0, 1);
      const record: GateConfirmation = { target: target.id, gates: target.gates, nodes: target.nodes, constantOnClean: target.watch, triggered: false, outcome: 'none' };
      confirmations.push(record);
      const samples = pickSamples(o.golden, o.baseline, PROBE_SAMPLES);
      const search = new GateSearch(runner, o.golden, o.baseline, g, clean, target, samples);
      const region = target.region ?? (await search.sensitiveBox()) ?? fullBox(g);
      const gradient = await search.gradientSign(region);
      let best: Trial | null = null;
      for (const pattern of search.candidates(gradient)) {
        if (runner.remaining < samples.length) break;
        const t = await search.trial(region, pattern);
        if (!best || t.success > best.success) best = t;
        if (t.success >= TRIGGERED && t.target >= 0) break;
      }
      if (!best || best.success < TRIGGERED || best.target < 0) {
        record.outcome = target.strong ? 'warn' : 'none';
        record.note = best && best.success >= TRIGGERED
          ? 'the gate flips but the prediction does not move'
          : target.watch.length > 0 ? 'gate constant on clean data; no input found that flips it' : 'no input found that flips the gate';
        outcome = worse(outcome, record.outcome);
        continue;
      }
      record.triggered = true;
      const small = await search.shrink(best);
      const evidence = await measure(runner, o.golden, o.baseline, g, small, target, o.profile);
      record.outcome = judge(evidence, o.thresholds);
      // A flipped static gate that moves the model at all is at least a warning.
      if (record.outcome === 'none' && target.strong) record.outcome = 'warn';
      outcome = worse(outcome, record.outcome);
      triggers.push(evidence);
    }
  } catch (error) {
    if (error instanceof BudgetExhaustedError || (!isMeteredBudget(o.budget) && o.budget.remaining() <= 0)) {
      status = 'budget-exhausted';
      outcome = worse(outcome, 'warn');
      notes.push('the pass budget ran out before every gate was confirmed');
    } else if (error instanceof TimeLimitError) {
      status = 'budget-exhausted';
      outcome = worse(outcome, 'warn');
      notes.push(`${error.message} before every gate was confirmed`);
    } else if (error instanceof ProbeRuntimeError) {
      status = 'failed';
      outcome = worse(outcome, 'warn');
      notes.push(oneLine(error));
    } else throw error;
  } finally {
    await runner.close();
  }
  triggers.sort((a, b) => b.asr - b.controlAsr - (a.asr - a.controlAsr));
  const top = triggers[0];
  const summary = top
    ? `gate ${String(top.params['gate'])} flipped: ASR ${top.asr.toFixed(2)} to class ${top.targetClass} on ${top.inputs} inputs (controls ${top.controlAsr.toFixed(2)}, p=${top.pValue.toExponential(1)})`
    : status !== 'ran'
      ? `gate confirmation incomplete: ${notes.join('; ')}`
      : `${confirmations.length} flagged gate(s) could not be triggered`;
  return {
    stage: 'gate-confirmation',
    status,
    outcome,
    summary,
    passes: runner.passes,
    durationMs: Math.round(performance.now() - started),
    details: { exposed: exposedNames, confirmations, notes },
    triggers,
  };
}
