import { describe, expect, it } from 'vitest';
import { runProbes } from '../../../src/probes/index.js';
import { DEFAULT_PROBES_POLICY } from '../../../src/probes/policy.js';
import { manifest, modelFile, PROBES_DIR } from '../e2e/helpers.js';

const clean = manifest().find((m) => m.name === 'mlp-clean')!;
const required = { ...DEFAULT_PROBES_POLICY, required: true };

describe('runProbes fails closed on what it cannot look at', () => {
  it('an empty target under a policy that requires probes is PROBE_INCOMPLETE, not a silent pass', async () => {
    const { findings } = await runProbes({ files: [], policy: required, policyDir: PROBES_DIR });
    expect(findings.map((f) => f.code)).toEqual(['PROBE_INCOMPLETE']);
    expect((await runProbes({ files: [], policy: DEFAULT_PROBES_POLICY, policyDir: PROBES_DIR })).findings).toEqual([]);
  });

  it('an ONNX model inside an archive is never probed, so it denies when probes are required and is noted otherwise', async () => {
    const bundle = { path: 'bundle.zip', absPath: '/nonexistent/bundle.zip', format: 'zip', nested: [{ location: 'inner/evil name\n.onnx', format: 'onnx' }, { location: 'notes.txt', format: 'unknown' }] };
    const strict = await runProbes({ files: [modelFile(clean), bundle], policy: required, policyDir: PROBES_DIR });
    const inner = strict.findings.find((f) => f.file === 'bundle.zip');
    expect(inner?.code).toBe('PROBE_INCOMPLETE');
    expect(inner!.message).not.toMatch(/\n/);
    expect(inner!.evidence).toMatchObject({ cause: 'PROBE_UNPROBEABLE', nested: ['inner/evil name\n.onnx'] });
    const optional = await runProbes({ files: [modelFile(clean), bundle], policy: DEFAULT_PROBES_POLICY, policyDir: PROBES_DIR });
    expect(optional.findings.map((f) => `${f.file}:${f.code}:${f.severity}`)).toEqual(['bundle.zip:PROBE_UNPROBEABLE:info']);
  });
});

describe('probeModel never rejects on a hostile model', () => {
  it('garbage or truncated bytes end in findings that deny when probes are required, not a thrown error', async () => {
    const { readFileSync } = await import('node:fs');
    const { probeModel } = await import('../../../src/probes/run-model.js');
    const { defaultParts } = await import('../../../src/probes/default-parts.js');
    const { loadGoldenSet } = await import('../../../src/probes/golden/index.js');
    const { join } = await import('node:path');
    const golden = await loadGoldenSet(join(PROBES_DIR, clean.golden));
    const real = readFileSync(join(PROBES_DIR, clean.path));
    const hostile = [new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), real.subarray(0, Math.floor(real.length / 2)), new Uint8Array(0)];
    for (const bytes of hostile) {
      const outcome = await probeModel('m.onnx', new Uint8Array(bytes), { parts: defaultParts(), policy: { ...required, budget: 500 }, golden: { set: golden } });
      const denying = outcome.findings.filter((f) => f.severity === 'high' || f.severity === 'critical');
      expect(denying.length, outcome.findings.map((f) => f.code).join()).toBeGreaterThan(0);
      for (const f of outcome.findings) expect(f.message).not.toMatch(/\n/);
    }
  });
});

describe('a probe part that throws', () => {
  it('profile inference throwing is a one-line PROBE_INCOMPLETE under a required policy, not a rejected check', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { probeModel } = await import('../../../src/probes/run-model.js');
    const { defaultParts } = await import('../../../src/probes/default-parts.js');
    const { loadGoldenSet } = await import('../../../src/probes/golden/index.js');
    const golden = await loadGoldenSet(join(PROBES_DIR, clean.golden));
    const parts = { ...defaultParts(), inferProfile: () => { throw new RangeError('hostile shape\nsecond line'); } };
    const outcome = await probeModel('m.onnx', new Uint8Array(readFileSync(join(PROBES_DIR, clean.path))), { parts, policy: required, golden: { set: golden } });
    const incomplete = outcome.findings.find((f) => f.code === 'PROBE_INCOMPLETE');
    expect(incomplete?.message).toMatch(/hostile shape/);
    expect(incomplete!.message).not.toMatch(/\n/);
    expect(outcome.report.unprobeable).toMatch(/hostile shape/);
  });
});
