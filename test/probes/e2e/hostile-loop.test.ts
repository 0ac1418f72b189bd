import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check } from '../../../src/check.js';
import { openClassifier, inferProfile } from '../../../src/probes/runtime/index.js';
import type { ProbeProfile } from '../../../src/probes/types.js';
import { cleanInputs, loopGateModel } from '../graph/loop-gate-model.js';
import { f32, npy } from '../golden/writers.js';

const tmp = mkdtempSync(join(tmpdir(), 'probes-loop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('modelscan check on a model whose Loop trip count comes from the input', () => {
  it('ends with a denying one-line finding within the time limit instead of hanging', async () => {
    const bytes = loopGateModel();
    const target = join(tmp, 'model');
    mkdirSync(target);
    writeFileSync(join(target, 'loop-gate.onnx'), bytes);
    const profile = inferProfile(bytes, { task: 'image-classification', range: [0, 1], classCount: 3 }) as ProbeProfile;
    const inputs = cleanInputs(60, 9);
    const c = await openClassifier(bytes, profile);
    const labels = await c.predict(inputs, 60);
    await c.close();
    const golden = join(tmp, 'golden');
    mkdirSync(golden);
    writeFileSync(join(golden, 'inputs.npy'), npy('<f4', [60, 1, 4, 4], f32(inputs)));
    writeFileSync(join(golden, 'labels.npy'), npy('<i4', [60], new Uint8Array(labels.buffer)));
    const policy = join(tmp, 'policy.yaml');
    writeFileSync(policy, ['name: loop-audit', 'probes:', '  required: true', '  task: image-classification', '  value_range: [0, 1]', '  budget: 4000', '  time_limit: 2s', ''].join('\n'));
    const started = Date.now();
    const report = await check(target, { policyPath: policy, goldenPath: golden });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(report.verdict).toBe('DENY');
    const probe = report.findings.filter((f) => f.code.startsWith('PROBE_') && f.denies);
    expect(probe.map((f) => f.code)).toContain('PROBE_INCOMPLETE');
    for (const f of report.findings) expect(f.message).not.toMatch(/\n/);
    const confirmation = report.probes![0]!.stages.find((s) => s.stage === 'gate-confirmation')!;
    expect(confirmation.summary).toMatch(/ran past \d+ ms and was abandoned|time limit/);
  });
});
