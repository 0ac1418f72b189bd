import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/report.js';
import { renderSarif } from '../../src/report/sarif.js';

const require = createRequire(import.meta.url);
// CommonJS packages: take their default exports through require so types and runtime agree.
type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const Ajv = (require('ajv-draft-04') as { default: new (options: object) => { compile(schema: object): Validator } }).default;
const addFormats = (require('ajv-formats') as { default: (ajv: object) => void }).default;
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

function report(): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'modelscan', version: '0.1.0' },
    verdict: 'DENY',
    target: 'models/x',
    source: { kind: 'local', path: 'models/x' },
    policy: { name: 'default', source: 'builtin:default', sha256: 'a'.repeat(64) },
    reasons: ['PICKLE_DENIED_GLOBAL critical model bin: x'],
    summary: { files: 1, bytes: 10, findings: { critical: 1, high: 0, medium: 0, low: 0, info: 1 }, denying: 1 },
    files: [{ path: 'dir with space/model.bin', size: 10, sha256: 'b'.repeat(64), format: 'pickle', facts: {}, nested: [] }],
    findings: [
      { code: 'PICKLE_DENIED_GLOBAL', severity: 'critical', file: 'dir with space/model.bin', location: 'archive/data.pkl', message: 'imports os.system', evidence: { module: 'os', name: 'system', big: 12345678901234567890n as unknown as number }, denies: true },
      { code: 'FILE_EMPTY', severity: 'info', file: 'README.md', message: 'empty', evidence: {}, denies: false, waived: 'findings.ignore' },
    ],
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
  };
}

describe('SARIF output', () => {
  it('validates against the SARIF 2.1.0 schema', () => {
    // The published schema has a pattern that is only valid as a non-unicode RegExp.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse(renderSarif(report()));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('maps findings to rules, levels and locations GitHub code scanning reads', () => {
    const log = JSON.parse(renderSarif(report()));
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['PICKLE_DENIED_GLOBAL', 'FILE_EMPTY']);
    expect(run.results[0]).toMatchObject({ ruleId: 'PICKLE_DENIED_GLOBAL', ruleIndex: 0, level: 'error' });
    expect(run.results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('dir%20with%20space/model.bin');
    expect(run.results[1].suppressions).toEqual([{ kind: 'external', justification: 'findings.ignore' }]);
    expect(run.tool.driver.rules[0].properties['security-severity']).toBe('9.5');
    expect(run.results[0].properties.evidence.big).toBe('12345678901234567890');
  });
});
