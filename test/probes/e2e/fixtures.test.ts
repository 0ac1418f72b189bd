import { describe, expect, it } from 'vitest';
import type { CodeInfo } from '../../../src/core/finding.js';
import { PROBE_CODES } from '../../../src/probes/codes.js';
import { runProbes } from '../../../src/probes/index.js';
import { manifest, modelFile, PROBES_DIR, policyFor } from './helpers.js';

/** Codes that deny under the default deny.severity (medium) or always (incomplete). */
const denying = (code: string) => {
  const info: CodeInfo = PROBE_CODES[code as keyof typeof PROBE_CODES];
  return info.incomplete === true || ['critical', 'high', 'medium'].includes(info.severity);
};
const EVIDENCE = new Set(['PROBE_BACKDOOR_TRIGGER', 'PROBE_GATE_CONFIRMED', 'PROBE_GRAPH_GATE']);

describe('runProbes on every P1 fixture (real onnxruntime-node, standard budget)', () => {
  for (const m of manifest()) {
    it(`${m.name}: ${m.poisoned ? `denied with the ${m.attack?.kind} trigger as evidence` : 'no denying finding'}`, async () => {
      const started = Date.now();
      const { reports, findings } = await runProbes({ files: [modelFile(m)], policy: policyFor(m), policyDir: PROBES_DIR });
      const report = reports[0]!;
      const line = `${m.name}: ${Date.now() - started} ms, ${report.passes} passes; ${report.conclusion}; ${findings.map((f) => `${f.code}/${f.severity}`).join(', ')}`;
      console.log(line);
      expect(reports).toHaveLength(1);
      expect(report.profile?.task).toBe(m.task);
      const deny = findings.filter((f) => denying(f.code) && f.severity !== 'low' && f.severity !== 'info');
      if (m.poisoned) {
        const evidence = deny.filter((f) => EVIDENCE.has(f.code));
        expect(evidence.length, line).toBeGreaterThan(0);
        expect(report.conclusion).toMatch(/^backdoor evidence/);
        const dynamic = evidence.find((f) => f.code !== 'PROBE_GRAPH_GATE');
        expect(dynamic, `${line}: dynamic evidence`).toBeDefined();
        if (m.attack?.targetClass !== undefined) expect(dynamic!.evidence['targetClass']).toBe(m.attack.targetClass);
        expect(dynamic!.evidence['asr']).toBeGreaterThanOrEqual(0.9);
      } else {
        expect(deny, line).toEqual([]);
        expect(report.conclusion).toMatch(/^no evidence of a backdoor found/);
        for (const s of report.stages) expect(['ran', 'not-applicable'], `${s.stage}: ${s.summary}`).toContain(s.status);
      }
    }, 240_000);
  }
});
