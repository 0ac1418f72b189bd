import { decodeModel } from './decode.js';
import { flatten, type FlatGraph } from './flatten.js';
import { findGates, type GateCandidate } from './gates.js';
import type { ModelIR } from './model-ir.js';
import { traceOverride, type OverrideFinding } from './override.js';
import { exposureAnchors, pathFromInput, pathToOutput, topLevelProbe } from './paths.js';
import { findBypasses } from './bypass.js';
import { inputRoles, namesOfBits } from './roles.js';
import { staticRegion } from './region.js';
import { computeTaint, type Taint } from './taint.js';
import type { AnalyseOptions, FlaggedGate, GateRule, GraphAnalysis } from './types.js';
import { unusualNotes } from './unusual.js';

/** Override constants this sparse (max/median |w|) or scalars this large mark an S3 override as extreme. */
export const EXTREME_OVERRIDE = 10;
/** A low-gain ramp on raw input needs an override this extreme after it to count as a gate. */
const RAMP_OVERRIDE = 100;

function gateScore(rules: readonly GateRule[], overrideScore: number): number {
  let score = 0;
  if (rules.includes('S1-control') || rules.includes('saturation')) score += 0.4;
  if (rules.includes('S2-constant')) score += 0.2;
  if (rules.includes('S3-override')) score += 0.3 + (overrideScore >= EXTREME_OVERRIDE ? 0.1 : 0);
  if (rules.includes('S5-unusual')) score += 0.05;
  return Math.min(1, Math.round(score * 100) / 100);
}

function clusters(candidates: readonly GateCandidate[], traces: readonly OverrideFinding[]): number[] {
  const parent = candidates.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  candidates.forEach((g, i) => {
    candidates.forEach((h, j) => {
      if (i !== j && h.control.some((c) => traces[i]!.derived.has(c))) parent[find(j)] = find(i);
    });
  });
  const ids = new Map<number, number>();
  return candidates.map((_, i) => {
    const root = find(i);
    if (!ids.has(root)) ids.set(root, ids.size + 1);
    return ids.get(root)!;
  });
}

function buildGates(model: ModelIR, flat: FlatGraph, taint: Taint, o: AnalyseOptions, roles: ReturnType<typeof inputRoles>) {
  const found = findGates(flat, taint, roles, o.specialTokenIds);
  const { switches, allowed } = found;
  const { notes, suspiciousNodes } = unusualNotes(flat);
  // A ramp (Relu(x - c)) is a gate only when a large gain follows it into the trunk.
  const traced = found.gates.map((g) => ({ g, trace: traceOverride(flat, taint, roles.guarded, g) }))
    .filter(({ g, trace }) => !g.lowGain || (trace.merge !== undefined && trace.overrideScore >= RAMP_OVERRIDE));
  const candidates = traced.map((t) => t.g);
  const traces = traced.map((t) => t.trace);
  const clusterOf = clusters(candidates, traces);
  const gates: FlaggedGate[] = candidates.map((g, i) => {
    const trace = traces[i]!;
    const rules: GateRule[] = [g.kind === 'saturation' ? 'saturation' : 'S1-control'];
    if (g.hasConstantOperand && (g.kind === 'comparison' || g.kind === 'saturation')) rules.push('S2-constant');
    if (trace.merge) rules.push('S3-override');
    if (suspiciousNodes.has(g.node.id) || g.node.scope !== '') rules.push('S5-unusual');
    const probe = g.probe.map((p) => topLevelProbe(flat, taint, p, g.bits)).filter((p): p is string => p !== null);
    const control = g.control.find((c) => (taint.raw[c]! & g.bits) !== 0) ?? g.control[0] ?? -1;
    const gate: FlaggedGate = {
      id: `G${i + 1}`,
      rules,
      node: g.node.name,
      opType: g.node.opType,
      scope: g.node.scope.replace(/\/$/, ''),
      inputs: namesOfBits(roles, g.bits),
      expose: exposureAnchors(flat, model, g.node),
      probe: [...new Set(probe)],
      path: [...pathFromInput(flat, taint, control, g.bits), g.node.name, ...pathToOutput(flat, taint, g.node)],
      constants: g.constants,
      overrideConstants: trace.overrideConstants,
      overrideScore: Math.round(trace.overrideScore * 100) / 100,
      score: gateScore(rules, trace.overrideScore),
      cluster: clusterOf[i]!,
    };
    if (g.direction) gate.direction = g.direction;
    if (trace.merge) gate.mergeNode = trace.merge.name;
    const region = staticRegion(flat, taint, control, g.bits);
    if (region) gate.region = region;
    return gate;
  });
  return {
    gates,
    switches: switches.map((s) => ({ node: s.node.name, opType: s.node.opType, inputs: namesOfBits(roles, s.bits) })),
    notes: [...notes, ...allowed.map((a) => `allowed: ${a}`)],
  };
}

/**
 * Static graph analysis (no inference): value taint from the inputs through the whole model,
 * subgraphs and functions included, then the S1–S5 rules. Throws GraphError for models it cannot read.
 */
export function analyseGraph(bytes: Uint8Array, o: AnalyseOptions = {}): GraphAnalysis {
  const started = performance.now();
  const model = decodeModel(bytes);
  const flat = flatten(model);
  let taint = computeTaint(flat);
  const roles = inputRoles(flat, taint.bitOf, o);
  // Allowed comparisons (special-token masks) stop being raw; logic built on them is not a gate.
  const { allowedNodes } = findGates(flat, taint, roles, o.specialTokenIds);
  if (allowedNodes.size > 0) taint = computeTaint(flat, allowedNodes);
  const { gates, switches, notes } = buildGates(model, flat, taint, o, roles);
  const bypass = findBypasses(flat, taint, roles, model);
  return {
    nodes: flat.nodes.filter((n) => !n.pseudo).length,
    inputs: roles.list,
    outputs: flat.outputs.map((id) => flat.tensors[id]!.name),
    gates,
    bypasses: bypass.bypasses,
    switches,
    notes: [...flat.notes, ...notes, ...bypass.notes],
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
