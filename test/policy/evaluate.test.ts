import { describe, expect, it } from 'vitest';
import type { CodeInfo, Finding } from '../../src/core/finding.js';
import type { ScanResult, ScannedFile } from '../../src/core/report.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { parsePolicy } from '../../src/policy/load.js';

const TABLE: Record<string, CodeInfo> = {
  PICKLE_UNKNOWN_GLOBAL: { severity: 'medium', title: 'unknown import' },
  PICKLE_DENIED_GLOBAL: { severity: 'critical', title: 'denied import' },
  PICKLE_MALFORMED: { severity: 'high', title: 'malformed', incomplete: true },
  FILE_EMPTY: { severity: 'info', title: 'empty' },
  PYTHON_SOURCE: { severity: 'medium', title: 'py' },
  POLICY_FORMAT_DENIED: { severity: 'high', title: 'format' },
  POLICY_PICKLE_FORBIDDEN: { severity: 'high', title: 'pickle' },
  POLICY_LIMIT_EXCEEDED: { severity: 'high', title: 'limit' },
  POLICY_NOTHING_SCANNED: { severity: 'high', title: 'nothing', incomplete: true },
};
const codeInfo = (code: string) => TABLE[code];

function file(path: string, format: ScannedFile['format'], nested: ScannedFile['nested'] = [], size = 10): ScannedFile {
  return { path, size, sha256: '0'.repeat(64), format, facts: {}, nested };
}

function finding(code: string, extra: Partial<Finding> = {}): Finding {
  return { code, severity: TABLE[code]?.severity ?? 'high', file: 'model.bin', message: code, evidence: {}, ...extra };
}

function scan(files: ScannedFile[], findings: Finding[] = []): ScanResult {
  return { target: 't', root: '/t', files, findings };
}

const strict = parsePolicy('name: strict\n', 'strict.yaml');

describe('policy evaluation', () => {
  it('approves when no finding reaches the threshold', () => {
    const d = evaluate({ scan: scan([file('a.safetensors', 'safetensors')], [finding('FILE_EMPTY')]), policy: strict, codeInfo });
    expect(d.verdict).toBe('APPROVE');
    expect(d.reasons).toEqual([]);
    expect(d.findings[0]!.denies).toBe(false);
  });

  it('denies on a finding at the threshold and names it in the reasons', () => {
    const d = evaluate({ scan: scan([file('m.pkl', 'pickle')], [finding('PICKLE_UNKNOWN_GLOBAL', { evidence: { module: 'lab', name: 'Net' } })]), policy: strict, codeInfo });
    expect(d.verdict).toBe('DENY');
    expect(d.reasons).toHaveLength(1);
    expect(d.reasons[0]).toMatch(/^PICKLE_UNKNOWN_GLOBAL medium model\.bin/);
  });

  it('raises the threshold when the policy says so, but incomplete analysis still denies', () => {
    const lax = parsePolicy('name: lax\ndeny:\n  severity: critical\n', 'lax.yaml');
    expect(evaluate({ scan: scan([file('m', 'pickle')], [finding('PICKLE_UNKNOWN_GLOBAL')]), policy: lax, codeInfo }).verdict).toBe('APPROVE');
    expect(evaluate({ scan: scan([file('m', 'pickle')], [finding('PICKLE_MALFORMED')]), policy: lax, codeInfo }).verdict).toBe('DENY');
  });

  it('treats a code missing from every table as incomplete (fail closed)', () => {
    const lax = parsePolicy('name: lax\ndeny:\n  severity: critical\n', 'lax.yaml');
    const d = evaluate({ scan: scan([file('m', 'pickle')], [{ ...finding('FILE_EMPTY'), code: 'SOMETHING_NEW', severity: 'info' }]), policy: lax, codeInfo });
    expect(d.verdict).toBe('DENY');
  });

  it('waives ignored codes but never incomplete ones', () => {
    const p = parsePolicy('name: p\nfindings:\n  ignore: [PYTHON_SOURCE, PICKLE_MALFORMED]\n', 'p.yaml');
    const d = evaluate({ scan: scan([file('m', 'pickle')], [finding('PYTHON_SOURCE'), finding('PICKLE_MALFORMED')]), policy: p, codeInfo });
    const py = d.findings.find((f) => f.code === 'PYTHON_SOURCE')!;
    const bad = d.findings.find((f) => f.code === 'PICKLE_MALFORMED')!;
    expect(py.waived).toBe('findings.ignore');
    expect(py.denies).toBe(false);
    expect(bad.waived).toBeUndefined();
    expect(bad.denies).toBe(true);
    expect(d.verdict).toBe('DENY');
  });

  it('waives unknown pickle globals on allow_globals, exact or by package, never denied ones', () => {
    const p = parsePolicy('name: p\npickle:\n  allow_globals: [lab.models.*, other.Thing]\n', 'p.yaml');
    const findings = [
      finding('PICKLE_UNKNOWN_GLOBAL', { evidence: { module: 'lab.models.mlp', name: 'MLP' } }),
      finding('PICKLE_UNKNOWN_GLOBAL', { evidence: { module: 'other', name: 'Thing' } }),
    ];
    expect(evaluate({ scan: scan([file('m', 'pickle')], findings), policy: p, codeInfo }).verdict).toBe('APPROVE');
    const near = [finding('PICKLE_UNKNOWN_GLOBAL', { evidence: { module: 'labx', name: 'MLP' } })];
    expect(evaluate({ scan: scan([file('m', 'pickle')], near), policy: p, codeInfo }).verdict).toBe('DENY');
    const denied = [finding('PICKLE_DENIED_GLOBAL', { evidence: { module: 'lab.models', name: 'x' } })];
    expect(evaluate({ scan: scan([file('m', 'pickle')], denied), policy: p, codeInfo }).verdict).toBe('DENY');
  });

  it('overrides severities per code', () => {
    const p = parsePolicy('name: p\nfindings:\n  severity:\n    PYTHON_SOURCE: low\n', 'p.yaml');
    const d = evaluate({ scan: scan([file('m.py', 'python')], [finding('PYTHON_SOURCE')]), policy: p, codeInfo });
    expect(d.findings[0]!.severity).toBe('low');
    expect(d.verdict).toBe('APPROVE');
  });

  it('denies formats outside the allow list, top-level and nested', () => {
    const p = parsePolicy('name: p\nformats:\n  allow: [safetensors, json, zip]\n', 'p.yaml');
    const d = evaluate({ scan: scan([file('a.safetensors', 'safetensors'), file('b.zip', 'zip', [{ location: 'inner.pkl', format: 'pickle' }])]), policy: p, codeInfo });
    expect(d.verdict).toBe('DENY');
    expect(d.findings.map((f) => [f.code, f.file, f.location])).toEqual([['POLICY_FORMAT_DENIED', 'b.zip', 'inner.pkl']]);
  });

  it('forbids pickle-based content with pickle.mode never', () => {
    const p = parsePolicy('name: p\npickle:\n  mode: never\n', 'p.yaml');
    const d = evaluate({ scan: scan([file('w.pt', 'pytorch-zip'), file('a.npy', 'numpy', [{ location: 'npy-body', format: 'pickle' }])]), policy: p, codeInfo });
    expect(d.findings.filter((f) => f.code === 'POLICY_PICKLE_FORBIDDEN').map((f) => f.file)).toEqual(['a.npy', 'w.pt']);
  });

  it('leaves required signatures and probes to their own stages (their findings arrive as extra findings)', () => {
    const p = parsePolicy('name: p\nsignature:\n  required: true\nprobes:\n  required: true\n', 'p.yaml');
    const d = evaluate({ scan: scan([file('a.safetensors', 'safetensors')]), policy: p, codeInfo });
    expect(d.findings).toEqual([]);
    const missing = { code: 'PROBE_INCOMPLETE', severity: 'high' as const, file: '.', message: 'not probed', evidence: {} };
    const denied = evaluate({ scan: scan([file('a.safetensors', 'safetensors')]), policy: p, codeInfo: (c) => (c === 'PROBE_INCOMPLETE' ? { severity: 'high', title: 'n/a', incomplete: true } : codeInfo(c)), extraFindings: [missing] });
    expect(denied.verdict).toBe('DENY');
  });

  it('enforces total size and file count limits', () => {
    const p = parsePolicy('name: p\nlimits:\n  max_total_size: 15\n  max_files: 1\n', 'p.yaml');
    const d = evaluate({ scan: scan([file('a', 'json'), file('b', 'json')]), policy: p, codeInfo });
    expect(d.findings.map((f) => f.evidence['limit'])).toEqual(['max_total_size', 'max_files']);
  });

  it('denies an empty target', () => {
    expect(evaluate({ scan: scan([]), policy: strict, codeInfo }).verdict).toBe('DENY');
  });
});

describe('sources.allow', () => {
  it('matches org/name, org/* and endpoint-qualified patterns', async () => {
    const { sourceAllowed } = await import('../../src/policy/evaluate.js');
    expect(sourceAllowed(['acme/*'], 'https://huggingface.co', 'acme/bert')).toBe(true);
    expect(sourceAllowed(['acme/*'], 'https://huggingface.co', 'acme-evil/bert')).toBe(false);
    expect(sourceAllowed(['acme/bert'], 'https://huggingface.co', 'acme/bert-large')).toBe(false);
    expect(sourceAllowed(['https://hub.acme.test/acme/*'], 'https://hub.acme.test/', 'acme/bert')).toBe(true);
    expect(sourceAllowed(['https://hub.acme.test/acme/*'], 'https://huggingface.co', 'acme/bert')).toBe(false);
    expect(sourceAllowed(['a.b/*'], 'https://h', 'axb/c')).toBe(false);
  });

  it('denies a hub repository outside the list and ignores local targets', () => {
    const p = parsePolicy('name: p\nsources:\n  allow: [acme/*]\n', 'p.yaml');
    const hub = { kind: 'hub' as const, endpoint: 'https://huggingface.co', repo: 'evil/model', revision: 'main', commit: 'a'.repeat(40), snapshotDir: '/c' };
    const d = evaluate({ scan: scan([file('a.safetensors', 'safetensors')]), policy: p, source: hub, codeInfo: (c) => TABLE[c] ?? (c === 'POLICY_SOURCE_DENIED' ? { severity: 'high', title: 's' } : undefined) });
    expect(d.findings.map((f) => f.code)).toEqual(['POLICY_SOURCE_DENIED']);
    const local = evaluate({ scan: scan([file('a.safetensors', 'safetensors')]), policy: p, source: { kind: 'local', path: '.' }, codeInfo });
    expect(local.verdict).toBe('APPROVE');
  });
});
