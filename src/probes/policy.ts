import { ModelscanError } from '../core/errors.js';
import type { Spec } from '../policy/schema.js';
import type { ProfileHints } from './runtime/hints.js';
import { DEFAULT_THRESHOLDS, type ImageLayout, type ProbeTask, type ProbeThresholds, type StageName } from './types.js';

/**
 * The `probes:` policy section: a declarative spec fragment for src/policy/schema.ts, its typed
 * form, and the defaults. Every key is documented in docs/probes.md.
 */

/** Spec kinds this section needs beyond those of src/policy/schema.ts (the loader gains them on merge). */
export type NumberSpec = { kind: 'number'; min?: number; max?: number };
export type OneOfSpec = { kind: 'oneOf'; of: readonly SectionSpec[] };
export type SectionSpec =
  | Exclude<Spec, { kind: 'list' } | { kind: 'map' } | { kind: 'object' }>
  | NumberSpec
  | OneOfSpec
  | { kind: 'list'; of: SectionSpec; minItems?: number; maxItems?: number }
  | { kind: 'map'; of: SectionSpec; keyPattern?: RegExp }
  | { kind: 'object'; fields: Record<string, SectionSpec>; required?: readonly string[] };

export const PROBE_STAGES: readonly StageName[] = ['graph', 'golden', 'known-triggers', 'reverse-engineering', 'gate-confirmation'];
export const BUDGETS = { standard: 50_000, deep: 150_000 } as const;
/** Per model, when the policy sets no time_limit: a probe run must never hang a check. */
export const DEFAULT_TIME_LIMIT_MS = 15 * 60_000;

const unit: NumberSpec = { kind: 'number', min: 0, max: 1 };
const count: SectionSpec = { kind: 'integer', min: 1 };

/** snake_case policy key → ProbeThresholds field. */
export const THRESHOLD_KEYS: Record<string, keyof ProbeThresholds> = {
  asr_fail: 'asrFail',
  asr_warn: 'asrWarn',
  min_inputs: 'minInputs',
  min_source_classes: 'minSourceClasses',
  max_trigger_area: 'maxTriggerArea',
  max_blend_alpha: 'maxBlendAlpha',
  max_text_tokens: 'maxTextTokens',
  control_margin: 'controlMargin',
  p_value: 'pValue',
  mad_anomaly_index: 'madAnomalyIndex',
  min_classes_for_mad: 'minClassesForMad',
  golden_alpha: 'goldenAlpha',
};

const THRESHOLD_SPECS: Record<keyof ProbeThresholds, SectionSpec> = {
  asrFail: unit,
  asrWarn: unit,
  minInputs: count,
  minSourceClasses: count,
  maxTriggerArea: unit,
  maxBlendAlpha: unit,
  maxTextTokens: count,
  controlMargin: unit,
  pValue: unit,
  madAnomalyIndex: { kind: 'number', min: 0 },
  minClassesForMad: { kind: 'integer', min: 2 },
  goldenAlpha: unit,
};

/** The fragment the lead adds as POLICY_SCHEMA.fields.probes. */
export const PROBES_POLICY_SPEC: SectionSpec = {
  kind: 'object',
  fields: {
    required: { kind: 'boolean' },
    stages: { kind: 'list', of: { kind: 'enum', values: PROBE_STAGES } },
    task: { kind: 'enum', values: ['image-classification', 'text-classification', 'infer'] },
    input: { kind: 'string' },
    output: { kind: 'string' },
    layout: { kind: 'enum', values: ['NCHW', 'NHWC'] },
    value_range: { kind: 'list', of: { kind: 'number' }, minItems: 2, maxItems: 2 },
    mean: { kind: 'list', of: { kind: 'number' }, minItems: 1 },
    std: { kind: 'list', of: { kind: 'number', min: 0 }, minItems: 1 },
    sample_shape: { kind: 'list', of: { kind: 'integer', min: 1 }, minItems: 1, maxItems: 3 },
    fixed_inputs: {
      kind: 'map',
      of: {
        kind: 'object',
        required: ['type', 'values'],
        fields: {
          type: { kind: 'enum', values: ['float32', 'int64', 'int32'] },
          shape: { kind: 'list', of: { kind: 'integer', min: 0 } },
          values: { kind: 'list', of: { kind: 'number' } },
        },
      },
    },
    class_count: { kind: 'integer', min: 2 },
    special_token_ids: { kind: 'list', of: { kind: 'integer', min: 0 } },
    pad_id: { kind: 'integer', min: 0 },
    vocab_size: { kind: 'integer', min: 2 },
    golden: { kind: 'string' },
    claimed_accuracy: unit,
    reference_model: { kind: 'string' },
    budget: { kind: 'oneOf', of: [{ kind: 'enum', values: ['standard', 'deep'] }, { kind: 'integer', min: 1 }] },
    time_limit: { kind: 'oneOf', of: [{ kind: 'integer', min: 1 }, { kind: 'string' }] },
    thresholds: {
      kind: 'object',
      fields: Object.fromEntries(Object.entries(THRESHOLD_KEYS).map(([key, field]) => [key, THRESHOLD_SPECS[field]])),
    },
    warnings_deny: { kind: 'boolean' },
  },
};

/** What the policy says about the model's signature; the profile inference fills in the rest. */
export type ProbeHints = ProfileHints;

export interface ProbesPolicy {
  /** When true, every stage in `stages` must run on every ONNX model, or the verdict is DENY. */
  required: boolean;
  /** The stages to run (and, when required, that must run); the others are reported as skipped. */
  stages: StageName[];
  hints: ProbeHints;
  /** Golden set path as written in the policy (relative to the policy file), or null. */
  golden: string | null;
  claimedAccuracy: number | null;
  /** Trusted reference model for McNemar, relative to the policy file, or null. */
  referenceModel: string | null;
  /** Forward passes allowed per model. */
  budget: number;
  /** Depth of the trigger reverse-engineering. */
  depth: 'standard' | 'deep';
  /** Wall-clock limit per model (ms). */
  timeLimitMs: number;
  thresholds: ProbeThresholds;
  /** Warnings (PROBE_WARNINGS) are emitted at high severity, so they deny. */
  warningsDeny: boolean;
}

export const DEFAULT_PROBES_POLICY: ProbesPolicy = {
  required: false,
  stages: [...PROBE_STAGES],
  hints: {},
  golden: null,
  claimedAccuracy: null,
  referenceModel: null,
  budget: BUDGETS.standard,
  depth: 'standard',
  timeLimitMs: DEFAULT_TIME_LIMIT_MS,
  thresholds: { ...DEFAULT_THRESHOLDS },
  warningsDeny: false,
};

const invalid = (key: string, message: string): never => {
  throw new ModelscanError('POLICY_INVALID', `probes.${key}: ${message}`);
};

/** "90s", "10m", "1h", "1h30m" or a number of seconds → ms. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value * 1000 : undefined;
  const match = /^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$/.exec(value);
  if (!match || (!match[1] && !match[2] && !match[3])) return undefined;
  const ms = ((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 1000;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

type RawSection = Record<string, unknown>;

function budgetOf(raw: unknown): { budget: number; depth: 'standard' | 'deep' } {
  if (raw === undefined || raw === 'standard') return { budget: BUDGETS.standard, depth: 'standard' };
  if (raw === 'deep') return { budget: BUDGETS.deep, depth: 'deep' };
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 1) return { budget: raw, depth: raw >= BUDGETS.deep ? 'deep' : 'standard' };
  return invalid('budget', `expected standard, deep or a number of forward passes, found ${JSON.stringify(raw)}`);
}

function thresholdsOf(raw: RawSection | undefined): ProbeThresholds {
  const out: ProbeThresholds = { ...DEFAULT_THRESHOLDS };
  for (const [key, value] of Object.entries(raw ?? {})) {
    const field = THRESHOLD_KEYS[key];
    if (!field) return invalid(`thresholds.${key}`, `unknown key (expected one of ${Object.keys(THRESHOLD_KEYS).join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value)) return invalid(`thresholds.${key}`, 'expected a number');
    out[field] = value;
  }
  if (out.asrWarn > out.asrFail) invalid('thresholds.asr_warn', `must not exceed asr_fail (${out.asrFail})`);
  if (out.pValue <= 0) invalid('thresholds.p_value', 'must be above 0');
  if (out.goldenAlpha <= 0 || out.goldenAlpha >= 1) invalid('thresholds.golden_alpha', 'must be between 0 and 1 (exclusive)');
  return out;
}

function hintsOf(raw: RawSection): ProbeHints {
  const hints: ProbeHints = {};
  if (raw['task'] !== undefined && raw['task'] !== 'infer') hints.task = raw['task'] as ProbeTask;
  if (raw['input'] !== undefined) hints.inputName = raw['input'] as string;
  if (raw['output'] !== undefined) hints.outputName = raw['output'] as string;
  if (raw['layout'] !== undefined) hints.layout = raw['layout'] as ImageLayout;
  if (raw['value_range'] !== undefined) {
    const range = raw['value_range'] as number[];
    if (range.length !== 2 || !(range[0]! < range[1]!)) invalid('value_range', 'expected [lo, hi] with lo < hi');
    hints.range = [range[0]!, range[1]!];
  }
  if (raw['mean'] !== undefined) hints.mean = raw['mean'] as number[];
  if (raw['std'] !== undefined) {
    hints.std = raw['std'] as number[];
    if (hints.std.some((s) => !(s > 0))) invalid('std', 'every value must be above 0');
  }
  if (hints.mean && hints.std && hints.mean.length !== hints.std.length) invalid('std', `expected ${hints.mean.length} values, like mean`);
  if (raw['class_count'] !== undefined) hints.classCount = raw['class_count'] as number;
  if (raw['special_token_ids'] !== undefined) hints.specialTokenIds = raw['special_token_ids'] as number[];
  if (raw['pad_id'] !== undefined) hints.padId = raw['pad_id'] as number;
  if (raw['vocab_size'] !== undefined) hints.vocabSize = raw['vocab_size'] as number;
  if (raw['sample_shape'] !== undefined) hints.sampleShape = raw['sample_shape'] as number[];
  const fixed = raw['fixed_inputs'] as Record<string, { type: 'float32' | 'int64' | 'int32'; shape?: number[]; values: number[] }> | undefined;
  if (fixed !== undefined) {
    hints.fixedInputs = {};
    for (const [name, spec] of Object.entries(fixed)) {
      if (name === '__proto__') invalid('fixed_inputs', 'an input may not be named __proto__');
      const shape = spec.shape ?? (spec.values.length === 1 ? [] : [spec.values.length]);
      if (shape.reduce((a, b) => a * b, 1) !== spec.values.length) invalid(`fixed_inputs.${name}`, `${spec.values.length} values do not fill shape [${shape.join(', ')}]`);
      if (spec.type !== 'float32' && !spec.values.every(Number.isSafeInteger)) invalid(`fixed_inputs.${name}.values`, `expected integers for ${spec.type}`);
      hints.fixedInputs[name] = { type: spec.type, shape, values: spec.values };
    }
  }
  return hints;
}

/**
 * The typed section from the structurally validated raw mapping (or undefined: every default).
 * Checks what the spec cannot say (lo < hi, asr_warn <= asr_fail, durations); throws POLICY_INVALID.
 */
export function toProbesPolicy(raw: RawSection | undefined): ProbesPolicy {
  const section = raw ?? {};
  const stages = (section['stages'] as StageName[] | undefined) ?? [...PROBE_STAGES];
  if (new Set(stages).size !== stages.length) invalid('stages', 'lists a stage twice');
  const timeLimit = section['time_limit'];
  const timeLimitMs = timeLimit === undefined ? DEFAULT_TIME_LIMIT_MS : parseDuration(timeLimit as number | string);
  if (timeLimitMs === undefined) invalid('time_limit', `expected seconds or a duration such as 90s, 10m, 1h, found ${JSON.stringify(timeLimit)}`);
  const claimed = section['claimed_accuracy'];
  return {
    required: (section['required'] as boolean | undefined) ?? false,
    stages: PROBE_STAGES.filter((s) => stages.includes(s)),
    hints: hintsOf(section),
    golden: (section['golden'] as string | undefined) ?? null,
    claimedAccuracy: typeof claimed === 'number' ? claimed : null,
    referenceModel: (section['reference_model'] as string | undefined) ?? null,
    ...budgetOf(section['budget']),
    timeLimitMs: timeLimitMs!,
    thresholds: thresholdsOf(section['thresholds'] as RawSection | undefined),
    warningsDeny: (section['warnings_deny'] as boolean | undefined) ?? false,
  };
}
