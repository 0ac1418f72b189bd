import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { runProbes } from '../../../src/probes/index.js';
import { DEFAULT_PROBES_POLICY } from '../../../src/probes/policy.js';
import { FindingSink } from '../../../src/probes/stage-findings.js';
import { renderHtml } from '../../../src/report/html.js';
import type { Report } from '../../../src/core/report.js';
import { manifest, modelFile, PROBES_DIR, policyFor } from '../e2e/helpers.js';

const byName = (name: string) => manifest().find((m) => m.name === name)!;
const clean = byName('mlp-clean');
const poisoned = byName('mlp-badnets-white3');
const text = byName('text-clean');
const tmp = mkdtempSync(join(tmpdir(), 'probes-orch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const codes = (findings: Array<{ code: string; severity: string }>) => findings.filter((f) => f.severity !== 'info').map((f) => f.code).sort();

describe('runProbes orchestration (real modules, real onnxruntime, small budgets)', () => {
  it('stops early once a stage finds backdoor evidence, and says so', async () => {
    const { reports, findings } = await runProbes({ files: [modelFile(poisoned)], policy: policyFor(poisoned, { budget: 20_000 }), policyDir: PROBES_DIR });
    const stages = Object.fromEntries(reports[0]!.stages.map((s) => [s.stage, s]));
    expect(stages['known-triggers']!.outcome).toBe('fail');
    expect(stages['reverse-engineering']!.status).toBe('skipped');
    expect(stages['reverse-engineering']!.summary).toMatch(/^stopped early: known-triggers/);
    expect(codes(findings)).toEqual(['PROBE_BACKDOOR_TRIGGER']);
    const f = findings.find((x) => x.code === 'PROBE_BACKDOOR_TRIGGER')!;
    expect(f.file).toBe(poisoned.path);
    expect(f.evidence).toMatchObject({ stage: 'known-triggers', targetClass: poisoned.attack!.targetClass });
    for (const key of ['family', 'params', 'asr', 'controlAsr', 'pValue', 'inputs', 'sourceClasses', 'size']) expect(f.evidence, key).toHaveProperty(key);
    expect(reports[0]!.passes).toBe(reports[0]!.stages.reduce((n, s) => n + s.passes, 0));
    expect(reports[0]!.passes).toBeLessThanOrEqual(20_000);
  });

  it('no golden set: static analysis only; a note-free pass when optional, PROBE_INCOMPLETE when required', async () => {
    const optional = await runProbes({ files: [modelFile(clean)], policy: DEFAULT_PROBES_POLICY, policyDir: PROBES_DIR });
    expect(optional.findings).toEqual([]);
    expect(optional.reports[0]!.stages.map((s) => s.status)).toEqual(['ran', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(optional.reports[0]!.conclusion).toMatch(/^no evidence of a backdoor found .*no golden set/);
    const required = await runProbes({ files: [modelFile(clean)], policy: { ...DEFAULT_PROBES_POLICY, required: true }, policyDir: PROBES_DIR });
    expect(codes(required.findings)).toEqual(['PROBE_INCOMPLETE']);
    expect(required.findings[0]!.evidence['stagesNotRun']).toEqual(['golden', 'gate-confirmation', 'known-triggers', 'reverse-engineering']);
  });

  it('an unreadable golden set is PROBE_GOLDEN_INVALID for the target, whatever the policy', async () => {
    const bad = join(tmp, 'broken.npz');
    writeFileSync(bad, Buffer.from('PK\x03\x04 definitely not a zip'));
    for (const required of [false, true]) {
      const { findings } = await runProbes({ files: [modelFile(clean)], policy: { ...DEFAULT_PROBES_POLICY, required }, goldenOverride: bad, policyDir: PROBES_DIR });
      expect(codes(findings)).toEqual(required ? ['PROBE_GOLDEN_INVALID', 'PROBE_INCOMPLETE'] : ['PROBE_GOLDEN_INVALID']);
      expect(findings.find((f) => f.code === 'PROBE_GOLDEN_INVALID')!.file).toBe('.');
    }
  });

  it('a golden set that does not fit the model makes it unprobeable (a note, or PROBE_INCOMPLETE when required)', async () => {
    const golden = join(PROBES_DIR, text.golden);
    const optional = await runProbes({ files: [modelFile(clean)], policy: DEFAULT_PROBES_POLICY, goldenOverride: golden, policyDir: PROBES_DIR });
    expect(optional.findings.map((f) => `${f.code}/${f.severity}`)).toEqual(['PROBE_UNPROBEABLE/info']);
    expect(optional.reports[0]!.unprobeable).toMatch(/golden set does not fit/);
    const required = await runProbes({ files: [modelFile(clean)], policy: { ...DEFAULT_PROBES_POLICY, required: true }, goldenOverride: golden, policyDir: PROBES_DIR });
    expect(codes(required.findings)).toEqual(['PROBE_INCOMPLETE']);
  });

  it('a budget too small for the required stages is PROBE_BUDGET_EXHAUSTED, or PROBE_INCOMPLETE when required', async () => {
    for (const required of [false, true]) {
      const { reports, findings } = await runProbes({ files: [modelFile(clean)], policy: policyFor(clean, { required, budget: 400 }), policyDir: PROBES_DIR });
      expect(reports[0]!.stages.find((s) => s.stage === 'golden')!.status).toBe('ran');
      expect(reports[0]!.stages.some((s) => s.status === 'budget-exhausted')).toBe(true);
      expect(reports[0]!.passes).toBeLessThanOrEqual(400);
      expect(codes(findings)).toEqual([required ? 'PROBE_INCOMPLETE' : 'PROBE_BUDGET_EXHAUSTED']);
      if (required) expect(findings[0]!.evidence['cause']).toBe('PROBE_BUDGET_EXHAUSTED');
    }
  });

  it('the time limit stops a run at its next batch', async () => {
    const { reports, findings } = await runProbes({ files: [modelFile(clean)], policy: policyFor(clean, { timeLimitMs: 1 }), policyDir: PROBES_DIR });
    const [, golden, ...rest] = reports[0]!.stages;
    expect(golden!.status).toBe('budget-exhausted');
    expect(golden!.summary).toMatch(/time limit/);
    for (const s of rest) expect(s.status).toBe('skipped');
    expect(codes(findings)).toEqual(['PROBE_INCOMPLETE']);
    expect(findings[0]!.evidence['cause']).toBe('PROBE_BUDGET_EXHAUSTED');
  });

  it('a model onnxruntime refuses (custom-domain op) is PROBE_INFERENCE_FAILED, never run', async () => {
    const { onnx } = onnxProto;
    const model = onnx.ModelProto.decode(readFileSync(join(PROBES_DIR, clean.path)));
    model.graph!.node![0]!.domain = 'com.evil.customops';
    model.opsetImport!.push(onnx.OperatorSetIdProto.create({ domain: 'com.evil.customops', version: 1 }));
    const path = join(tmp, 'custom-op.onnx');
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
    const files = [{ path: 'custom-op.onnx', absPath: path, format: 'onnx' }];
    const optional = await runProbes({ files, policy: policyFor(clean, { required: false }), policyDir: PROBES_DIR });
    expect(codes(optional.findings)).toEqual(['PROBE_INFERENCE_FAILED']);
    const required = await runProbes({ files, policy: policyFor(clean), policyDir: PROBES_DIR });
    expect(codes(required.findings)).toEqual(['PROBE_INCOMPLETE']);
    const incomplete = required.findings.find((f) => f.code === 'PROBE_INCOMPLETE')!;
    expect(incomplete.evidence['cause']).toBe('PROBE_INFERENCE_FAILED');
    expect(incomplete.message).toMatch(/custom-op\.onnx.*not a registered/);
    expect(required.reports[0]!.passes).toBe(0);
  });

  it('a file that is not ONNX at all is PROBE_GRAPH_UNANALYSED (denies), and other formats are ignored', async () => {
    const path = join(tmp, 'garbage.onnx');
    writeFileSync(path, Buffer.from([0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    const { reports, findings } = await runProbes({
      files: [{ path: 'garbage.onnx', absPath: path, format: 'onnx' }, { path: 'w.safetensors', absPath: path, format: 'safetensors' }],
      policy: DEFAULT_PROBES_POLICY,
      policyDir: PROBES_DIR,
    });
    expect(reports.map((r) => r.file)).toEqual(['garbage.onnx']);
    expect(codes(findings)).toEqual(['PROBE_GRAPH_UNANALYSED']);
  });

  it('a target without any ONNX model: nothing to report, unless probes are required (then it cannot be approved)', async () => {
    const files = [{ path: 'model.safetensors', absPath: join(tmp, 'none'), format: 'safetensors' }];
    expect(await runProbes({ files, policy: DEFAULT_PROBES_POLICY, policyDir: PROBES_DIR })).toEqual({ reports: [], findings: [] });
    const required = await runProbes({ files, policy: { ...DEFAULT_PROBES_POLICY, required: true }, policyDir: PROBES_DIR });
    expect(required.findings.map((f) => [f.code, f.file])).toEqual([['PROBE_INCOMPLETE', '.']]);
  });

  it('warnings become high findings with warnings_deny', () => {
    const lenient = new FindingSink('m.onnx', false);
    const strict = new FindingSink('m.onnx', true);
    for (const sink of [lenient, strict]) {
      sink.add('PROBE_SUSPICIOUS_TRIGGER', 'weak');
      sink.add('PROBE_CLASS_ANOMALY', 'outlier');
      sink.add('PROBE_UNPROBEABLE', 'not a classifier');
    }
    expect(lenient.findings.map((f) => f.severity)).toEqual(['low', 'low', 'info']);
    expect(strict.findings.map((f) => f.severity)).toEqual(['high', 'high', 'info']);
  });

  it('the HTML report of a real run on a poisoned fixture shows the trigger and the triggered example', async () => {
    const { reports, findings } = await runProbes({ files: [modelFile(poisoned)], policy: policyFor(poisoned, { budget: 20_000 }), policyDir: PROBES_DIR });
    const report: Report = {
      schemaVersion: 1, tool: { name: 'modelscan', version: 'test' }, verdict: 'DENY', target: 'fixture', source: { kind: 'local' } as Report['source'],
      policy: { name: 'backdoor-audit', source: 'policies/backdoor-audit.yaml', sha256: '0'.repeat(64) }, reasons: findings.map((f) => f.message),
      summary: { files: 1, bytes: 1, findings: { critical: 1, high: 0, medium: 0, low: 0, info: 0 }, denying: 1 },
      files: [], findings: findings.map((f) => ({ ...f, denies: true })), startedAt: new Date(0).toISOString(), durationMs: 1,
    };
    const html = renderHtml({ ...report, probes: reports });
    expect(html.match(/data:image\/png;base64,/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('recovered trigger');
    expect(html).toContain('triggered example');
    expect(html).toContain('per-class accuracy');
    expect(html).not.toMatch(/<script|https?:\/\//i);
  });
});

describe('runProbes with a trusted reference model', () => {
  it('runs the paired McNemar test against the reference (probes.reference_model, relative to the policy folder)', async () => {
    const { reports, findings } = await runProbes({
      files: [modelFile(poisoned)],
      policy: policyFor(poisoned, { budget: 20_000, referenceModel: clean.path, stages: ['graph', 'golden'] }),
      policyDir: PROBES_DIR,
    });
    const golden = reports[0]!.stages.find((s) => s.stage === 'golden')!;
    expect(golden.status).toBe('ran');
    expect(golden.details['mcnemar']).toMatchObject({ b: expect.any(Number), c: expect.any(Number), p: expect.any(Number) });
    expect(golden.passes).toBe(2 * 300);
    expect(codes(findings)).toEqual([]);
  });

  it('a reference model that cannot be read is PROBE_GOLDEN_INVALID', async () => {
    const { findings } = await runProbes({ files: [modelFile(clean)], policy: policyFor(clean, { referenceModel: 'no/such/ref.onnx' }), policyDir: PROBES_DIR });
    expect(codes(findings)).toEqual(['PROBE_GOLDEN_INVALID', 'PROBE_INCOMPLETE']);
    expect(findings.find((f) => f.code === 'PROBE_GOLDEN_INVALID')!.evidence['referenceModel']).toMatch(/ref\.onnx$/);
  });
});

describe('hostile names from a real model reach the HTML report escaped', () => {
  it('a graph-gate fixture whose node names are <script> tags', async () => {
    const { onnx } = onnxProto;
    const gateModel = byName('mlp-graph-pixelwhere');
    const model = onnx.ModelProto.decode(readFileSync(join(PROBES_DIR, gateModel.path)));
    model.graph!.node!.forEach((n, i) => (n.name = `<script>alert(${i})</script>`));
    const path = join(tmp, '<img src=x onerror=alert(1)>.onnx');
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
    const { reports, findings } = await runProbes({ files: [{ path: '<img src=x onerror=alert(1)>.onnx', absPath: path, format: 'onnx' }], policy: DEFAULT_PROBES_POLICY, policyDir: PROBES_DIR });
    expect(findings.find((f) => f.code === 'PROBE_GRAPH_GATE')?.message).toContain('<script>alert(');
    const report: Report = {
      schemaVersion: 1, tool: { name: 'modelscan', version: 'test' }, verdict: 'DENY', target: 't', source: { kind: 'local' } as Report['source'],
      policy: { name: 'p', source: 'p.yaml', sha256: '0'.repeat(64) }, reasons: findings.map((f) => f.message),
      summary: { files: 1, bytes: 1, findings: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, denying: 1 },
      files: [], findings: findings.map((f) => ({ ...f, denies: true })), startedAt: new Date(0).toISOString(), durationMs: 1,
    };
    const html = renderHtml({ ...report, probes: reports });
    expect(html).toContain('flagged region');
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&#60;script&#62;alert(');
  });
});
