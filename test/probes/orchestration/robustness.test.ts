import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PROBE_CODES } from '../../../src/probes/codes.js';
import { runProbes } from '../../../src/probes/index.js';
import { DEFAULT_PROBES_POLICY } from '../../../src/probes/policy.js';
import { manifest, PROBES_DIR, policyFor } from '../e2e/helpers.js';

const clean = manifest().find((m) => m.name === 'mlp-graph-pixelwhere')!;
const original = new Uint8Array(readFileSync(join(PROBES_DIR, clean.path)));
const tmp = mkdtempSync(join(tmpdir(), 'probes-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function probeBytes(bytes: Uint8Array, withGolden: boolean) {
  const path = join(tmp, 'm.onnx');
  writeFileSync(path, bytes);
  const policy = withGolden ? policyFor(clean, { required: false, budget: 400 }) : DEFAULT_PROBES_POLICY;
  return runProbes({ files: [{ path: 'm.onnx', absPath: path, format: 'onnx' }], policy, policyDir: PROBES_DIR });
}

const mutation = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 });
const mutate = (edits: Array<{ at: number; value: number }>, cut: number) => {
  const bytes = original.slice(0, Math.max(1, original.length - cut));
  for (const e of edits) bytes[e.at % bytes.length] = e.value;
  return bytes;
};

describe('runProbes on mutated models never throws and reports only probe codes', () => {
  it('static analysis only', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.integer({ min: 0, max: 200 }), async (edits, cut) => {
        const { reports, findings } = await probeBytes(mutate(edits, cut), false);
        expect(reports).toHaveLength(1);
        for (const f of findings) expect(Object.keys(PROBE_CODES)).toContain(f.code);
      }),
      { numRuns: 40 },
    );
  });

  it('with a golden set (real onnxruntime on the mutated bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (edits) => {
        const { reports } = await probeBytes(mutate(edits, 0), true);
        expect(reports[0]!.passes).toBeLessThanOrEqual(400);
      }),
      { numRuns: 8 },
    );
  }, 60_000);
});
