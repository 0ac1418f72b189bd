import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttestRejection } from '../../src/attest/errors.js';
import { buildStatement, modelRootDigest, parseCheckStatement } from '../../src/attest/index.js';
import type { Report } from '../../src/core/report.js';
import { assertJwtShape } from '../../src/sign/keyless.js';
import { SignError } from '../../src/sign/errors.js';

const report: Report = {
  schemaVersion: 1,
  tool: { name: 'modelscan', version: '0.1.0' },
  verdict: 'APPROVE',
  target: 'models/m',
  source: { kind: 'local', path: 'models/m' },
  policy: { name: 'default', source: 'builtin:default', sha256: 'ab'.repeat(32) },
  reasons: [],
  summary: { files: 2, bytes: 30, findings: { critical: 0, high: 0, medium: 0, low: 0, info: 1 }, denying: 0 },
  files: [
    { path: 'b.bin', size: 10, sha256: '11'.repeat(32), format: 'unknown', facts: {}, nested: [] },
    { path: 'a/c.json', size: 20, sha256: '22'.repeat(32), format: 'unknown', facts: {}, nested: [] },
  ],
  findings: [],
  startedAt: '2026-12-01T09:00:00.000Z',
  durationMs: 1500,
};
const valid = buildStatement(report, { rootDigest: modelRootDigest(report.files) });

function parse(value: unknown): 'ok' | 'rejected' {
  try {
    parseCheckStatement(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
    return 'ok';
  } catch (error) {
    if (error instanceof AttestRejection && error.code === 'ATTEST_STATEMENT_INVALID') return 'rejected';
    throw error;
  }
}

/** Sets `path` in a deep copy of `obj` to `value`. */
function setAt(obj: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(obj));
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path[path.length - 1]!] = value;
  return copy;
}

describe('parseCheckStatement (property)', () => {
  it('accepts the statement buildStatement writes', () => {
    expect(parse(valid)).toBe('ok');
    expect(finishedAt()).toBe('2026-12-01T09:00:01.500Z');
  });

  it('arbitrary JSON or text never crashes: a statement or ATTEST_STATEMENT_INVALID', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), (v) => {
      parse(v);
    }), { numRuns: 300 });
  });

  it('a field the verifier relies on, replaced by any other JSON value, is rejected', () => {
    const paths: Array<Array<string | number>> = [
      ['_type'], ['predicateType'], ['subject', 0, 'digest', 'sha256'], ['subject', 0, 'name'], ['subject', 2, 'digest'],
      ['predicate', 'verdict'], ['predicate', 'policy', 'sha256'], ['predicate', 'model', 'rootDigest'], ['predicate', 'model', 'files'],
      ['predicate', 'model', 'name'], ['predicate', 'tool'], ['predicate', 'policy'], ['subject'], ['predicate', 'reasons'],
    ];
    fc.assert(fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
      let original: unknown = valid;
      for (const k of path) original = (original as Record<string | number, unknown>)[k];
      fc.pre(JSON.stringify(original) !== JSON.stringify(value));
      // The verdict may legitimately become DENY.
      fc.pre(!(path.join('.') === 'predicate.verdict' && value === 'DENY'));
      fc.pre(!(path.join('.') === 'predicate.reasons' && Array.isArray(value) && value.every((r) => typeof r === 'string')));
      expect(parse(setAt(valid, path, value))).toBe('rejected');
    }), { numRuns: 300 });
  });

  it('file subjects with unsafe or duplicate names are rejected', () => {
    for (const name of ['../x', '/etc/passwd', 'a//b', 'a\\b', '.', '', 'a/./b', 'a/..']) expect(parse(setAt(valid, ['subject', 1, 'name'], name)), name).toBe('rejected');
    expect(parse(setAt(valid, ['subject', 1, 'name'], valid.subject[2]!.name))).toBe('rejected');
  });
});

function finishedAt(): string {
  return valid.predicate.finishedAt;
}

describe('identity token shape (property)', () => {
  it('any string is accepted as a JWT or refused with SIGN_TOKEN_INVALID, never a crash', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.tuple(fc.string(), fc.jsonValue(), fc.string()).map(([h, body, s]) => `${h}.${Buffer.from(JSON.stringify(body) ?? '').toString('base64url')}.${s}`)), (token) => {
      try {
        assertJwtShape(token);
      } catch (error) {
        expect(error).toBeInstanceOf(SignError);
        expect((error as SignError).code).toBe('SIGN_TOKEN_INVALID');
      }
    }), { numRuns: 300 });
  });
});
