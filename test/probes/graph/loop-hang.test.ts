import { describe, expect, it } from 'vitest';
import { analyseGraph } from '../../../src/probes/graph/analyse.js';
import { confirmGates } from '../../../src/probes/graph/confirm.js';
import { exposeTensors } from '../../../src/probes/graph/expose.js';
import { ExposedRunner } from '../../../src/probes/graph/runner.js';
import { defaultParts } from '../../../src/probes/default-parts.js';
import { DEFAULT_PROBES_POLICY } from '../../../src/probes/policy.js';
import { probeModel } from '../../../src/probes/run-model.js';
import { createBudget, inferProfile, isUnprobeable, openClassifier } from '../../../src/probes/runtime/index.js';
import { DEFAULT_THRESHOLDS, type GoldenSet, type ProbeProfile } from '../../../src/probes/types.js';
import { cleanInputs, loopGateModel } from './loop-gate-model.js';

const bytes = loopGateModel();
const profile = (() => {
  const p = inferProfile(bytes, { task: 'image-classification', range: [0, 1], classCount: 3 });
  if (isUnprobeable(p)) throw new Error(p.unprobeable);
  return p as ProbeProfile;
})();

/** A golden set the model itself labels (the test is about hanging, not accuracy). */
async function goldenSet(count: number): Promise<GoldenSet> {
  const inputs = cleanInputs(count, 3);
  const c = await openClassifier(bytes, profile);
  const labels = await c.predict(inputs, count);
  await c.close();
  return { source: 'loop-gate golden', count, sampleShape: [1, 4, 4], inputs, labels };
}

describe('a model whose Loop trip count comes from the input cannot hang gate confirmation', () => {
  it('ExposedRunner abandons a pass past its run timeout with PROBE_RUNTIME_TIMEOUT', async () => {
    const runner = await ExposedRunner.open(exposeTensors(bytes, ['open']), profile, ['open'], createBudget(100), { runTimeoutMs: 300 });
    try {
      const clean = await runner.run(cleanInputs(2, 1), 2);
      expect(clean.logits).toHaveLength(6);
      expect(Array.from(clean.exposed.get('open')!.values[0]!)).toEqual([0]);
      const hostile = new Float32Array(16).fill(1);
      const started = Date.now();
      const error = await runner.run(hostile, 1).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toMatchObject({ code: 'PROBE_RUNTIME_TIMEOUT' });
    } finally {
      await runner.close();
    }
  });

  it('a Loop output is exposed with the type of its body output (not the trip count\'s int64)', async () => {
    const runner = await ExposedRunner.open(exposeTensors(bytes, ['spin']), profile, ['spin'], createBudget(10), { runTimeoutMs: 2000 });
    try {
      const out = await runner.run(cleanInputs(1, 2), 1);
      expect(Array.from(out.exposed.get('spin')!.values[0]!)).toEqual([0, 0, 0]);
    } finally {
      await runner.close();
    }
  });

  it('refuses to hold exposed tensors beyond its element cap (memory stays bounded on a hostile gate)', async () => {
    const runner = await ExposedRunner.open(exposeTensors(bytes, ['open', 'trunk']), profile, ['open', 'trunk'], createBudget(100), { runTimeoutMs: 2000, maxExposedElements: 40 });
    try {
      await expect(runner.run(cleanInputs(8, 1), 8)).resolves.toBeDefined();
      await expect(runner.run(cleanInputs(16, 1), 16)).rejects.toMatchObject({ code: 'PROBE_RUNTIME_RUN', message: expect.stringMatching(/exposed tensors .* over the cap of 40/) });
    } finally {
      await runner.close();
    }
  });

  it('confirmGates ends with a one-line failure instead of waiting for the Loop', async () => {
    const golden = await goldenSet(48);
    const analysis = analyseGraph(bytes, { dataInputs: ['pixels'] });
    expect(analysis.gates.length).toBeGreaterThan(0);
    const baseline = { predicted: golden.labels, correct: [...golden.labels.keys()] };
    const started = Date.now();
    const result = await confirmGates({ model: bytes, analysis, profile, golden, baseline, budget: createBudget(2000), thresholds: DEFAULT_THRESHOLDS, runTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.status).toBe('failed');
    expect(result.summary).toMatch(/ran past 300 ms/);
    expect(result.summary).not.toMatch(/\n/);
  });

  it('a whole probe run under a policy that requires probes ends, and denies, with no stage left hanging', async () => {
    const golden = await goldenSet(48);
    const policy = { ...DEFAULT_PROBES_POLICY, required: true, budget: 4000, timeLimitMs: 1000, hints: { task: 'image-classification' as const, range: [0, 1] as [number, number], classCount: 3 } };
    const started = Date.now();
    const { report, findings } = await probeModel('loop-gate.onnx', bytes, { parts: defaultParts(), policy, golden: { set: golden } });
    expect(Date.now() - started).toBeLessThan(10_000);
    const confirmation = report.stages.find((s) => s.stage === 'gate-confirmation')!;
    expect(confirmation.status).not.toBe('ran');
    const incomplete = findings.find((f) => f.code === 'PROBE_INCOMPLETE');
    expect(incomplete, JSON.stringify(findings.map((f) => f.code))).toBeDefined();
    expect(incomplete!.severity).toBe('high');
    for (const f of findings) expect(f.message).not.toMatch(/\n/);
    expect(report.conclusion).not.toMatch(/^no evidence of a backdoor found$/);
  });
});
