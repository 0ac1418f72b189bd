import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBE_CODES } from '../../../src/probes/codes.js';
import { PROBES_POLICY_SPEC, type SectionSpec } from '../../../src/probes/policy.js';

const doc = readFileSync(new URL('../../../docs/probes.md', import.meta.url), 'utf8');
const keys = (spec: SectionSpec, prefix: string): string[] =>
  spec.kind !== 'object' ? [prefix] : Object.entries(spec.fields).flatMap(([k, child]) => keys(child, `${prefix}.${k}`));

describe('docs/probes.md', () => {
  it('documents every PROBE_* code with its severity', () => {
    for (const [code, info] of Object.entries(PROBE_CODES)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      expect(row, code).toBeDefined();
      expect(row, code).toContain(info.severity);
    }
  });

  it('documents every probes policy key', () => {
    const all = keys(PROBES_POLICY_SPEC, 'probes');
    expect(all.length).toBeGreaterThan(25);
    for (const key of all) expect(doc, key).toContain(`\`${key}\``);
  });
});
