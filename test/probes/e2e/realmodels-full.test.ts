/**
 * The full probe suite on real classifiers (issue 6: "no false alarm"), under the shipped
 * policies/backdoor-audit.yaml with the standard budget.
 *
 * mnist-8 gets a golden set drawn here (test/probes/e2e/digits.ts): stroke-rendered digits, labelled
 * with the digit drawn (the model reads ~99 % of them as drawn). They are not MNIST, so this is weak
 * evidence about mnist-8's real behaviour, but it is the full five-stage run on a real model.
 * The wake-word (hello_deepa: one sigmoid score) and tabular (ecscore: [N, 7] features) classifiers have
 * no image or token-id input for the trigger families: they must be reported as unprobeable with the
 * reason, denied as incomplete under a policy that requires probes, and never called backdoors.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/load.js';
import { runProbes } from '../../../src/probes/index.js';
import { f32, npy } from '../golden/writers.js';
import { digitSet } from './digits.js';
import { REAL_MODELS, ROOT } from './helpers.js';

const BACKDOOR = new Set(['PROBE_BACKDOOR_TRIGGER', 'PROBE_GATE_CONFIRMED', 'PROBE_GRAPH_GATE', 'PROBE_GRAPH_SUSPICIOUS', 'PROBE_ACCURACY_DROP']);
const AUDIT = join(ROOT, 'policies/backdoor-audit.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'probes-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (path: string) => ({ path, absPath: join(REAL_MODELS, path), format: 'onnx' });

function mnistGolden(count: number): string {
  const { inputs, labels } = digitSet(count, 2026);
  const dir = join(tmp, 'mnist-golden');
  mkdirSync(dir);
  writeFileSync(join(dir, 'inputs.npy'), npy('<f4', [count, 1, 28, 28], f32(inputs)));
  writeFileSync(join(dir, 'labels.npy'), npy('<i4', [count], new Uint8Array(labels.buffer)));
  return dir;
}

describe('the full probe suite on real classifiers: no false alarm', () => {
  it('mnist-8 (raw 0..255 pixels) runs all five stages under backdoor-audit.yaml and nothing denies', async () => {
    const audit = (await loadPolicy(AUDIT)).policy.probes;
    const policy = { ...audit, hints: { ...audit.hints, range: [0, 255] as [number, number] } };
    const started = Date.now();
    const { reports, findings } = await runProbes({ files: [file('migraphx-doc/mnist-8.onnx')], policy, goldenOverride: mnistGolden(300), policyDir: dirname(AUDIT) });
    const report = reports[0]!;
    const line = report.stages.map((s) => `${s.stage}:${s.status}/${s.outcome} ${s.passes} passes ${Math.round(s.durationMs)} ms`).join('; ');
    console.log(`mnist-8 full suite: ${report.passes} passes, ${Date.now() - started} ms; ${line}; ${report.conclusion}; findings: ${findings.map((f) => f.code).join(", ") || "none"}`);
    expect(findings.filter((f) => BACKDOOR.has(f.code) || !['low', 'info'].includes(f.severity)).map((f) => `${f.code} ${f.message}`)).toEqual([]);
    const status = Object.fromEntries(report.stages.map((s) => [s.stage, s.status]));
    // gate-confirmation is 'not-applicable' when the graph stage flagged nothing (nothing to confirm).
    expect(status).toEqual({ graph: 'ran', golden: 'ran', 'gate-confirmation': 'not-applicable', 'known-triggers': 'ran', 'reverse-engineering': 'ran' });
    expect(report.stages.find((s) => s.stage === 'golden')!.details['accuracy']).toBeGreaterThan(0.95);
    expect(report.passes).toBeLessThanOrEqual(policy.budget);
    expect(report.conclusion).toMatch(/^no evidence of a backdoor found/);
  });

  it('the wake-word and tabular classifiers are unprobeable with the reason: a note when optional, PROBE_INCOMPLETE when required, never a backdoor', async () => {
    const models = [file('openwakeword-js/hello_deepa.onnx'), file('toppic-common/ecscore_seven_attr.onnx')];
    const audit = (await loadPolicy(AUDIT)).policy.probes;
    const golden = join(tmp, 'tabular-golden');
    mkdirSync(golden);
    writeFileSync(join(golden, 'inputs.npy'), npy('<f4', [4, 7], f32(new Float32Array(28))));
    writeFileSync(join(golden, 'labels.npy'), npy('<i4', [4], new Uint8Array(new Int32Array(4).buffer)));
    for (const required of [true, false]) {
      const { reports, findings } = await runProbes({ files: models, policy: { ...audit, required }, goldenOverride: golden, policyDir: dirname(AUDIT) });
      expect(findings.filter((f) => BACKDOOR.has(f.code))).toEqual([]);
      expect(reports.map((r) => r.unprobeable)).toEqual([
        expect.stringMatching(/no output is \[N, C\] float class scores with C >= 2/),
        expect.stringMatching(/neither an image tensor .* nor token ids/),
      ]);
      for (const r of reports) {
        expect(r.passes).toBe(0);
        expect(r.conclusion).toMatch(/^no evidence of a backdoor found .*not every probe ran/);
      }
      const codes = findings.filter((f) => f.code !== 'PROBE_GRAPH_UNUSUAL_OP').map((f) => `${f.code}/${f.severity}`);
      expect(codes).toEqual(required ? ['PROBE_INCOMPLETE/high', 'PROBE_INCOMPLETE/high'] : ['PROBE_UNPROBEABLE/info', 'PROBE_UNPROBEABLE/info']);
    }
  });
});
