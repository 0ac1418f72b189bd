import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ModelscanError } from '../../../src/core/errors.js';
import { BUDGETS, DEFAULT_PROBES_POLICY, DEFAULT_TIME_LIMIT_MS, parseDuration, PROBE_STAGES, PROBES_POLICY_SPEC, THRESHOLD_KEYS, toProbesPolicy } from '../../../src/probes/policy.js';
import { DEFAULT_THRESHOLDS } from '../../../src/probes/types.js';
import { validateSpec } from './spec-validate.js';

const section = (yaml: string) => toProbesPolicy(validateSpec(parse(yaml), PROBES_POLICY_SPEC, 'probes') as Record<string, unknown>);

describe('probes policy section', () => {
  it('defaults: optional, every stage, standard budget, the research-note thresholds', () => {
    expect(toProbesPolicy(undefined)).toEqual(DEFAULT_PROBES_POLICY);
    expect(DEFAULT_PROBES_POLICY).toMatchObject({ required: false, budget: 50_000, depth: 'standard', timeLimitMs: DEFAULT_TIME_LIMIT_MS, warningsDeny: false });
    expect(DEFAULT_PROBES_POLICY.stages).toEqual(PROBE_STAGES);
    expect(DEFAULT_PROBES_POLICY.thresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  it('policies/backdoor-audit.yaml validates and requires the full suite without provenance', () => {
    const doc = parse(readFileSync(new URL('../../../policies/backdoor-audit.yaml', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>>;
    const probes = toProbesPolicy(validateSpec(doc['probes'], PROBES_POLICY_SPEC, 'probes') as Record<string, unknown>);
    expect(probes.required).toBe(true);
    expect(probes.stages).toEqual(PROBE_STAGES);
    expect(probes.budget).toBe(BUDGETS.standard);
    expect(probes.thresholds).toEqual(DEFAULT_THRESHOLDS);
    expect(doc['signature']).toEqual({ required: false });
    expect(doc['lockfile']).toEqual({ required: false });
  });

  it('every ProbeThresholds field has a snake_case key', () => {
    expect(Object.values(THRESHOLD_KEYS).sort()).toEqual(Object.keys(DEFAULT_THRESHOLDS).sort());
    for (const key of Object.keys(THRESHOLD_KEYS)) expect(key).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('reads every key', () => {
    const p = section(`
required: true
stages: [golden, graph]
task: image-classification
input: pixels
output: logits
layout: NHWC
value_range: [0, 255]
mean: [0.5, 0.5, 0.5]
std: [0.25, 0.25, 0.25]
sample_shape: [16, 16, 1]
fixed_inputs: { sr: { type: int64, values: [16000] } }
class_count: 10
special_token_ids: [0, 101, 102]
pad_id: 0
vocab_size: 30522
golden: golden/set.npz
claimed_accuracy: 0.95
reference_model: ref.onnx
budget: 20000
time_limit: 1h30m
thresholds: { asr_fail: 0.95, p_value: 1.0e-9, min_inputs: 64 }
warnings_deny: true
`);
    expect(p).toMatchObject({
      required: true,
      stages: ['graph', 'golden'],
      hints: {
        task: 'image-classification', inputName: 'pixels', outputName: 'logits', layout: 'NHWC', range: [0, 255],
        mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], sampleShape: [16, 16, 1], classCount: 10,
        specialTokenIds: [0, 101, 102], padId: 0, vocabSize: 30522,
        fixedInputs: { sr: { type: 'int64', shape: [], values: [16000] } },
      },
      golden: 'golden/set.npz', claimedAccuracy: 0.95, referenceModel: 'ref.onnx', budget: 20000, depth: 'standard',
      timeLimitMs: 5_400_000, warningsDeny: true,
    });
    expect(p.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, asrFail: 0.95, pValue: 1e-9, minInputs: 64 });
    expect(section('budget: deep')).toMatchObject({ budget: 150_000, depth: 'deep' });
    expect(section('task: infer').hints.task).toBeUndefined();
  });

  it('rejects values the spec cannot express as wrong', () => {
    const invalid = (yaml: string) => expect(() => section(yaml)).toThrow(ModelscanError);
    invalid('value_range: [1, 0]');
    invalid('thresholds: { asr_warn: 0.95, asr_fail: 0.9 }');
    invalid('time_limit: soon');
    invalid('mean: [0.5]\nstd: [0.1, 0.2]');
    invalid('stages: [graph, graph]');
    invalid('fixed_inputs: { sr: { type: int64, shape: [2], values: [1] } }');
    invalid('fixed_inputs: { sr: { type: int64, values: [1.5] } }');
    expect(() => section('colour: red')).toThrow(/unknown key/);
    expect(() => section('budget: huge')).toThrow(/none of the allowed/);
    expect(() => section('thresholds: { asr_fail: 2 }')).toThrow(/number in range/);
  });

  it('durations', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    for (const bad of ['', 'm', '0s', '-1m', '1d', 1.5, 0]) expect(parseDuration(bad)).toBeUndefined();
  });

  it('random sections that pass the spec give a policy or POLICY_INVALID, never another error', () => {
    const scalar = fc.oneof(fc.integer({ min: -2, max: 200_000 }), fc.double({ min: -1, max: 2, noNaN: true }), fc.constantFrom('standard', 'deep', '10m', 'x', 'NCHW', 'infer'), fc.boolean());
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...Object.keys(THRESHOLD_KEYS)), scalar, { maxKeys: 3 }));
    const keys = Object.keys((PROBES_POLICY_SPEC as { fields: object }).fields);
    let accepted = 0;
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), (raw) => {
        let valid: Record<string, unknown>;
        try {
          valid = validateSpec(raw, PROBES_POLICY_SPEC, 'probes') as Record<string, unknown>;
        } catch {
          return;
        }
        try {
          const policy = toProbesPolicy(valid);
          accepted++;
          expect(policy.budget).toBeGreaterThan(0);
          expect(policy.timeLimitMs).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ModelscanError);
        }
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});
