import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../../src/check.js';
import { renderReport } from '../../../src/report/render.js';
import { manifest, PROBES_DIR, ROOT } from './helpers.js';

const AUDIT = join(ROOT, 'policies/backdoor-audit.yaml');
const byName = (name: string) => manifest().find((m) => m.name === name)!;

describe('modelscan check with the probes stage (policies/backdoor-audit.yaml + --golden)', () => {
  it('denies a poisoned classifier with the trigger as evidence and renders it as HTML', async () => {
    const m = byName('cnn-badnets-checker3');
    const report = await check(join(PROBES_DIR, m.path, '..'), { policyPath: AUDIT, goldenPath: join(PROBES_DIR, m.golden) });
    expect(report.verdict).toBe('DENY');
    expect(report.findings.find((f) => f.code === 'PROBE_BACKDOOR_TRIGGER')?.denies).toBe(true);
    expect(report.probes?.[0]?.conclusion).toMatch(/^backdoor evidence/);
    const html = renderReport(report, 'html');
    expect(html).toContain('recovered trigger');
    expect(JSON.parse(renderReport(report, 'json')).probes[0].stages.length).toBe(5);
  });

  it('approves the clean classifier under the same policy', async () => {
    const m = byName('cnn-clean');
    const report = await check(join(PROBES_DIR, m.path, '..'), { policyPath: AUDIT, goldenPath: join(PROBES_DIR, m.golden) });
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('APPROVE');
  }, 120_000);

  it('denies as incomplete when the audit policy gets no golden set', async () => {
    const report = await check(join(PROBES_DIR, 'cnn-clean'), { policyPath: AUDIT });
    expect(report.verdict).toBe('DENY');
    expect(report.findings.map((f) => f.code)).toContain('PROBE_INCOMPLETE');
  });
});
