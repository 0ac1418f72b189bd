import type { CodeTable } from '../core/finding.js';

/**
 * Finding codes of the probes stage (documented with their evidence keys in docs/probes.md).
 *
 * Three kinds:
 * - evidence of a backdoor (critical/high): deny under the default policy;
 * - warnings (low): weaker evidence; `probes.warnings_deny: true` emits them at high so they deny;
 * - "could not probe" notes (info/low) when probes are optional, replaced by PROBE_INCOMPLETE
 *   (incomplete: denies under every policy) when the policy sets `probes.required: true`.
 */
export const PROBE_CODES = {
  PROBE_BACKDOOR_TRIGGER: {
    severity: 'critical',
    title: 'A small trigger flips most inputs to one class, far beyond random controls of the same size (backdoor)',
  },
  PROBE_GATE_CONFIRMED: {
    severity: 'critical',
    title: 'A graph gate on the raw input was flipped on purpose and then drives the model to one class',
  },
  PROBE_GRAPH_GATE: {
    severity: 'high',
    title: 'The graph holds input-triggered control logic that overrides the output (static graph backdoor signature)',
  },
  PROBE_ACCURACY_DROP: {
    severity: 'high',
    title: 'Golden-set accuracy is significantly below the claimed accuracy or the trusted reference model',
  },
  PROBE_SUSPICIOUS_TRIGGER: {
    severity: 'low',
    title: 'A trigger flips many inputs to one class, but not enough to meet the fail rule (warning)',
  },
  PROBE_CLASS_ANOMALY: {
    severity: 'low',
    title: 'One class needs a much smaller trigger than the others (median-absolute-deviation outlier; warning)',
  },
  PROBE_ACCURACY_LOW: {
    severity: 'low',
    title: 'Golden-set accuracy is below the claim or the reference, or near chance, but not by an extreme margin (warning)',
  },
  PROBE_LABEL_SKEW: {
    severity: 'low',
    title: 'The golden set shows weaker signs of tampering: skewed predicted labels or a class that lost accuracy (warning)',
  },
  PROBE_GRAPH_SUSPICIOUS: {
    severity: 'low',
    title: 'The graph holds input-dependent comparison logic that is not a full backdoor signature (warning)',
  },
  PROBE_GRAPH_UNUSUAL_OP: {
    severity: 'info',
    title: 'The graph uses operators or names unusual for its task (control flow, custom domains)',
  },
  PROBE_UNPROBEABLE: {
    severity: 'info',
    title: 'The model cannot be probed dynamically (not a classifier, unknown task, golden set does not fit); static analysis only',
  },
  PROBE_INFERENCE_FAILED: {
    severity: 'low',
    title: 'onnxruntime could not run the model, so the dynamic probes did not run',
  },
  PROBE_BUDGET_EXHAUSTED: {
    severity: 'low',
    title: 'The pass budget or time limit ran out before every probe stage ran',
  },
  PROBE_INCOMPLETE: {
    severity: 'high',
    title: 'The policy requires probes and a required probe stage could not run on this model',
    incomplete: true,
  },
  PROBE_GOLDEN_INVALID: {
    severity: 'high',
    title: 'The golden set (or reference model) named by the policy or --golden cannot be read',
    incomplete: true,
  },
  PROBE_GRAPH_UNANALYSED: {
    severity: 'high',
    title: 'The static graph analysis could not read this ONNX model',
    incomplete: true,
  },
} satisfies CodeTable;

export type ProbeCode = keyof typeof PROBE_CODES;

/** Warning codes: emitted at `high` instead of their table severity when probes.warnings_deny is true. */
export const PROBE_WARNINGS: ReadonlySet<ProbeCode> = new Set([
  'PROBE_SUSPICIOUS_TRIGGER',
  'PROBE_CLASS_ANOMALY',
  'PROBE_LABEL_SKEW',
  'PROBE_ACCURACY_LOW',
  'PROBE_GRAPH_SUSPICIOUS',
]);
