import { makeFinding, type Finding } from '../core/finding.js';
import { PROBE_CODES, PROBE_WARNINGS, type ProbeCode } from './codes.js';
import { describeEvidence } from './triggers/describe.js';
import type { StageResult, TriggerEvidence } from './types.js';

/** Turns stage results into findings; the severity of warnings follows probes.warnings_deny. */
export class FindingSink {
  readonly findings: Finding[] = [];
  constructor(
    private readonly file: string,
    private readonly warningsDeny: boolean,
  ) {}

  add(code: ProbeCode, message: string, evidence: Record<string, unknown> = {}): Finding {
    const finding = makeFinding(PROBE_CODES, code, { file: this.file, location: [] }, `${this.file}: ${message}`, evidence);
    if (this.warningsDeny && PROBE_WARNINGS.has(code)) finding.severity = 'high';
    this.findings.push(finding);
    return finding;
  }
}

export function triggerEvidence(t: TriggerEvidence): Record<string, unknown> {
  return {
    family: t.family,
    params: t.params,
    targetClass: t.targetClass,
    asr: t.asr,
    inputs: t.inputs,
    sourceClasses: t.sourceClasses,
    controlAsr: t.controlAsr,
    pValue: t.pValue,
    size: t.size,
  };
}

/** One line for a trigger: what it is, where it sends inputs, against which controls (the trigger stage's wording). */
export function describeTrigger(t: TriggerEvidence): string {
  return describeEvidence(t);
}

/** Keys of `details` copied into finding evidence (the rest stays in the report's stage record). */
function pick(details: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (details[key] !== undefined) out[key] = details[key];
  return out;
}

const GATE_KEYS = ['id', 'rules', 'node', 'opType', 'scope', 'inputs', 'path', 'constants', 'overrideConstants', 'direction', 'mergeNode', 'overrideScore', 'score'] as const;
const compactGate = (g: Record<string, unknown>) => pick(g, GATE_KEYS);
const CONFIRM_KEYS = ['confirmations', 'exposed'] as const;
const GOLDEN_KEYS = ['flags', 'accuracy', 'ci95', 'n', 'correct', 'claimedAccuracy', 'pValue', 'mcnemar', 'collapsedClasses', 'skewedClasses', 'predictedHistogram', 'unpredicted'] as const;
const SKEW_FLAGS = new Set(['class-collapse', 'histogram-skew']);
const ANOMALY_KEYS = ['madIndex', 'perClass'] as const;

/** Findings for one stage that ran. `gates` are the graph's flagged gate names (evidence for graph codes). */
export function stageFindings(sink: FindingSink, result: StageResult, gates: string[]): void {
  const details = result.details ?? {};
  const top = result.triggers?.[0];
  switch (result.stage) {
    case 'graph': {
      const records = Array.isArray(details['gates']) ? (details['gates'] as Array<Record<string, unknown>>) : [];
      const bypasses = Array.isArray(details['bypasses']) ? (details['bypasses'] as Array<Record<string, unknown>>) : [];
      const evidence = { gates, gateRecords: records.slice(0, 8).map(compactGate), bypasses: bypasses.slice(0, 8) };
      // The graph stage's own outcome is 'warn' at most (confirmation decides 'fail'); a strong gate or a
      // bypass is still a high finding: legitimate classifiers have no raw-input override logic.
      if (result.outcome !== 'none') sink.add('PROBE_GRAPH_GATE', result.summary, evidence);
      else if (records.length > 0) sink.add('PROBE_GRAPH_SUSPICIOUS', `weak input-dependent logic: ${records.slice(0, 3).map((g) => `${String(g['opType'])} ${String(g['node'])}`).join('; ')}`, evidence);
      const notes = Array.isArray(details['notes']) ? (details['notes'] as unknown[]).map(String).filter((n) => n.startsWith('S5')) : [];
      if (notes.length > 0) sink.add('PROBE_GRAPH_UNUSUAL_OP', notes.slice(0, 4).join('; '), { notes });
      return;
    }
    case 'golden': {
      const evidence = pick(details, GOLDEN_KEYS);
      const flags = Array.isArray(details['flags']) ? (details['flags'] as unknown[]).map(String) : [];
      if (result.outcome === 'fail') sink.add('PROBE_ACCURACY_DROP', result.summary, evidence);
      else if (result.outcome === 'warn') {
        const skew = flags.some((f) => SKEW_FLAGS.has(f));
        const low = flags.some((f) => !SKEW_FLAGS.has(f)) || !skew;
        if (skew) sink.add('PROBE_LABEL_SKEW', result.summary, evidence);
        if (low) sink.add('PROBE_ACCURACY_LOW', result.summary, evidence);
      }
      return;
    }
    case 'gate-confirmation': {
      if (result.outcome === 'fail')
        sink.add('PROBE_GATE_CONFIRMED', result.summary, { gates, ...(top ? triggerEvidence(top) : {}), ...pick(details, CONFIRM_KEYS) });
      return;
    }
    case 'known-triggers':
    case 'reverse-engineering': {
      const outcomes = Array.isArray(details['outcomes']) ? (details['outcomes'] as unknown[]) : [];
      const warnings = Array.isArray(details['warnings']) ? (details['warnings'] as unknown[]).map(String) : [];
      if (result.outcome === 'fail' && top) sink.add('PROBE_BACKDOOR_TRIGGER', `${result.stage}: ${describeTrigger(top)}`, { stage: result.stage, ...triggerEvidence(top) });
      else if (result.outcome === 'fail') sink.add('PROBE_BACKDOOR_TRIGGER', `${result.stage}: ${result.summary}`, { stage: result.stage });
      else if (result.outcome === 'warn' && top && (outcomes[0] === 'warn' || (outcomes.length === 0 && warnings.length === 0)))
        sink.add('PROBE_SUSPICIOUS_TRIGGER', `${result.stage}: ${describeTrigger(top)}`, { stage: result.stage, ...triggerEvidence(top) });
      // Warnings that are not one trigger: a MAD outlier class (reverse-engineering) or a pattern of weak flips.
      if (result.outcome !== 'none' && warnings.length > 0) {
        const code = result.stage === 'reverse-engineering' ? 'PROBE_CLASS_ANOMALY' : 'PROBE_SUSPICIOUS_TRIGGER';
        sink.add(code, `${result.stage}: ${warnings.join('; ')}`, { stage: result.stage, warnings, ...pick(details, ANOMALY_KEYS) });
      } else if (result.outcome === 'warn' && !top) sink.add('PROBE_SUSPICIOUS_TRIGGER', `${result.stage}: ${result.summary}`, { stage: result.stage });
      return;
    }
  }
}
