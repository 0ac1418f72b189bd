import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBES_POLICY } from '../../../src/probes/policy.js';
import { runProbes } from '../../../src/probes/index.js';
import { REAL_MODELS } from './helpers.js';

function onnxFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) return onnxFiles(abs);
    return name.endsWith('.onnx') ? [abs] : [];
  });
}

const models = onnxFiles(REAL_MODELS).sort();
const files = models.map((abs) => ({ path: relative(REAL_MODELS, abs), absPath: abs, format: 'onnx' }));
const BACKDOOR = new Set(['PROBE_BACKDOOR_TRIGGER', 'PROBE_GATE_CONFIRMED', 'PROBE_GRAPH_GATE', 'PROBE_GRAPH_SUSPICIOUS']);

describe('real ONNX models: no false alarm', () => {
  it('static analysis of every real model finds no backdoor and nothing that denies', async () => {
    expect(models.length).toBeGreaterThanOrEqual(10);
    const { reports, findings } = await runProbes({ files, policy: DEFAULT_PROBES_POLICY, policyDir: REAL_MODELS });
    expect(reports.map((r) => r.file)).toEqual(files.map((f) => f.path));
    const alarms = findings.filter((f) => BACKDOOR.has(f.code) || !['low', 'info'].includes(f.severity));
    // external_data_test.onnx points at a weights file the static reader never opens: analysed from the graph alone.
    expect(alarms.map((f) => `${f.code} ${f.message}`)).toEqual([]);
    for (const r of reports) {
      expect(r.stages[0]!.stage).toBe('graph');
      expect(r.passes).toBe(0);
    }
  });

  it('a non-classifier under a policy that requires probes is denied as incomplete, never as a backdoor', async () => {
    const vad = files.filter((f) => /silero_vad_v5|face_detection_front/.test(f.path));
    expect(vad).toHaveLength(2);
    const { reports, findings } = await runProbes({ files: vad, policy: { ...DEFAULT_PROBES_POLICY, required: true }, policyDir: REAL_MODELS });
    expect(findings.filter((f) => BACKDOOR.has(f.code))).toEqual([]);
    const notes = findings.filter((f) => f.severity !== 'info');
    expect(notes.map((f) => f.code)).toEqual(['PROBE_INCOMPLETE', 'PROBE_INCOMPLETE']);
    for (const f of notes) expect(f.evidence['cause']).toBe('PROBE_UNPROBEABLE');
    for (const r of reports) {
      expect(r.unprobeable).toBeTruthy();
      expect(r.conclusion).toMatch(/^no evidence of a backdoor found/);
    }
  });
});
