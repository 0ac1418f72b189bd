import { describe, expect, it } from 'vitest';
import { makeFinding, type CodeInfo } from '../../src/core/finding.js';
import type { ScanResult, ScannedFile } from '../../src/core/report.js';
import { POLICY_CODES } from '../../src/policy/codes.js';
import { evaluate, isEnforced } from '../../src/policy/evaluate.js';
import { parsePolicy } from '../../src/policy/load.js';
import { defaultRevision, endpointAllowed, lockPinFindings, sourceFindings } from '../../src/policy/sources.js';
import type { TargetSource } from '../../src/target.js';
import { LOCKFILE_CODES } from '../../src/verify/codes.js';
import { SIGNATURE_CODES } from '../../src/verify/oms/codes.js';

const TABLE: Record<string, CodeInfo> = { ...POLICY_CODES, ...LOCKFILE_CODES, ...SIGNATURE_CODES, FILE_EMPTY: { severity: 'info', title: 'empty' } };
const codeInfo = (code: string) => TABLE[code];

const C1 = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const C2 = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const HF = 'https://huggingface.co';

function file(path: string): ScannedFile {
  return { path, size: 10, sha256: 'a'.repeat(64), format: 'safetensors', facts: {}, nested: [] };
}
function scan(files: ScannedFile[] = [file('model.safetensors')]): ScanResult {
  return { target: 't', root: '/t', files, findings: [] };
}
function hub(over: Partial<Extract<TargetSource, { kind: 'hub' }>> = {}): Extract<TargetSource, { kind: 'hub' }> {
  return { kind: 'hub', endpoint: HF, repo: 'org/model', revision: 'main', commit: C1, snapshotDir: '/cache/snap', ...over };
}
const policy = (yaml: string) => parsePolicy(`name: p\n${yaml}`, 'p.yaml');
const codes = (yaml: string, source: TargetSource) => evaluate({ scan: scan(), policy: policy(yaml), source, codeInfo }).findings.map((f) => f.code);

describe('sources.endpoints', () => {
  it('allows only the listed endpoints, compared after normalisation', () => {
    expect(endpointAllowed(['https://huggingface.co'], 'https://huggingface.co/')).toBe(true);
    expect(endpointAllowed(['https://huggingface.co'], 'https://huggingface.co.evil.test')).toBe(false);
    expect(endpointAllowed(['https://huggingface.co'], 'http://huggingface.co')).toBe(false);
    expect(endpointAllowed(['https://hub.example/mirror'], 'https://hub.example')).toBe(false);
    expect(endpointAllowed(['https://hub.example/mirror'], 'https://hub.example/mirror')).toBe(true);
  });

  it('denies a hub target from another endpoint, with the reason', () => {
    const d = evaluate({ scan: scan(), policy: policy("sources:\n  endpoints: ['https://huggingface.co']\n"), source: hub({ endpoint: 'http://127.0.0.1:9' }), codeInfo });
    expect(d.verdict).toBe('DENY');
    expect(d.reasons).toEqual(['POLICY_ENDPOINT_DENIED critical .: hub endpoint http://127.0.0.1:9 is not an allowed endpoint (sources.endpoints)']);
    expect(codes("sources:\n  endpoints: ['https://huggingface.co']\n", hub())).toEqual([]);
  });

  it('has no effect on a local target, like every sources key', () => {
    const yaml = `sources:\n  endpoints: ['https://huggingface.co']\n  allow: [org/*]\n  revision:\n    pinned: commit\n  commits:\n    org/model: ${C2}\n`;
    expect(evaluate({ scan: scan(), policy: policy(yaml), source: { kind: 'local', path: '.' }, codeInfo }).verdict).toBe('APPROVE');
  });
});

describe('sources.revision.pinned', () => {
  it('commit: a branch or tag denies, before and after the fetch', () => {
    const p = policy('sources:\n  revision:\n    pinned: commit\n').sources;
    for (const revision of ['main', 'v1.0', 'refs/pr/1', C1.toUpperCase(), C1.slice(0, 12)]) {
      expect(sourceFindings(p, { endpoint: HF, repo: 'org/model', revision }).map((f) => f.code), revision).toEqual(['POLICY_REVISION_UNPINNED']);
    }
    const d = evaluate({ scan: scan(), policy: policy('sources:\n  revision:\n    pinned: commit\n'), source: hub({ revision: 'main' }), codeInfo });
    expect(d.verdict).toBe('DENY');
    expect(d.reasons[0]).toMatch(/^POLICY_REVISION_UNPINNED critical \.: revision "main" of org\/model is a branch or tag; the policy requires a full 40-hex commit/);
  });

  it('commit: a full commit approves, unless it resolved to something else', () => {
    expect(codes('sources:\n  revision:\n    pinned: commit\n', hub({ revision: C1, commit: C1 }))).toEqual([]);
    expect(codes('sources:\n  revision:\n    pinned: commit\n', hub({ revision: C1, commit: C2 }))).toEqual(['POLICY_REVISION_UNPINNED']);
  });

  it('none: any revision', () => {
    expect(codes('sources:\n  revision:\n    pinned: none\n', hub({ revision: 'main' }))).toEqual([]);
  });
});

describe('sources.commits', () => {
  const yaml = `sources:\n  commits:\n    org/model: ${C1}\n`;
  it('denies another commit, approves the expected one, ignores other repositories', () => {
    expect(codes(yaml, hub({ commit: C1 }))).toEqual([]);
    expect(codes(yaml, hub({ commit: C2 }))).toEqual(['POLICY_COMMIT_MISMATCH']);
    expect(codes(yaml, hub({ repo: 'org/other', commit: C2 }))).toEqual([]);
  });

  it('decides before the fetch when the revision is a commit, waits for the fetch otherwise', () => {
    const p = policy(yaml).sources;
    expect(sourceFindings(p, { endpoint: HF, repo: 'org/model', revision: C2 }).map((f) => f.code)).toEqual(['POLICY_COMMIT_MISMATCH']);
    expect(sourceFindings(p, { endpoint: HF, repo: 'org/model', revision: 'main' })).toEqual([]);
    expect(sourceFindings(p, { endpoint: HF, repo: 'org/model', revision: 'main', commit: C2 }).map((f) => f.code)).toEqual(['POLICY_COMMIT_MISMATCH']);
  });

  it('names the revision to fetch when none is given: the expected commit, else the lockfile pin (pinned: lockfile)', () => {
    const lock = { endpoint: HF, repo: 'org/model', revision: 'main', commit: C2 };
    expect(defaultRevision(policy(yaml).sources, 'org/model', lock)).toBe(C1);
    expect(defaultRevision(policy('sources:\n  revision:\n    pinned: lockfile\n').sources, 'org/model', lock)).toBe(C2);
    expect(defaultRevision(policy('sources:\n  revision:\n    pinned: lockfile\n').sources, 'org/other', lock)).toBeUndefined();
    expect(defaultRevision(policy('').sources, 'org/model', lock)).toBeUndefined();
  });
});

describe('lockfile source pin', () => {
  const pinned = policy('sources:\n  revision:\n    pinned: lockfile\n').sources;
  const none = policy('').sources;
  const fetched = { endpoint: HF, repo: 'org/model', revision: 'main', commit: C1 };
  it('pinned: lockfile requires the lockfile to pin this repository and commit', () => {
    expect(lockPinFindings(pinned, fetched, { ...fetched }, 'modelscan.lock')).toEqual([]);
    expect(lockPinFindings(pinned, fetched, undefined, 'modelscan.lock').map((f) => f.code)).toEqual(['POLICY_LOCKFILE_UNPINNED']);
    expect(lockPinFindings(pinned, fetched, { ...fetched, commit: C2 }, 'modelscan.lock').map((f) => f.code)).toEqual(['POLICY_LOCKFILE_COMMIT_MISMATCH']);
    expect(lockPinFindings(pinned, fetched, { ...fetched, repo: 'org/other' }, 'modelscan.lock').map((f) => f.code)).toEqual(['POLICY_LOCKFILE_COMMIT_MISMATCH']);
  });

  it('a pin that is present is always checked; a missing pin matters only for pinned: lockfile', () => {
    expect(lockPinFindings(none, fetched, undefined, 'modelscan.lock')).toEqual([]);
    const [mismatch] = lockPinFindings(none, fetched, { ...fetched, commit: C2 }, 'modelscan.lock');
    expect(mismatch?.message).toBe(`modelscan.lock pins org/model@${C2}, but org/model@${C1} was fetched`);
  });
});

describe('provenance findings cannot be waived or softened', () => {
  const lax = `deny:\n  severity: critical\nfindings:\n  ignore: [POLICY_SOURCE_DENIED, POLICY_ENDPOINT_DENIED, SIGNATURE_UNTRUSTED, SIGNATURE_MISSING, LOCKFILE_MISMATCH, POLICY_SIGNATURE_NO_TRUST]\n  severity:\n    SIGNATURE_FILE_CHANGED: info\n    POLICY_COMMIT_MISMATCH: low\n`;

  it('the enforced set covers the signature, source and lockfile codes, not the informational one', () => {
    for (const code of Object.keys(SIGNATURE_CODES)) expect(isEnforced(code), code).toBe(true);
    for (const code of ['POLICY_SOURCE_DENIED', 'POLICY_ENDPOINT_DENIED', 'POLICY_REVISION_UNPINNED', 'POLICY_COMMIT_MISMATCH', 'POLICY_LOCKFILE_UNPINNED', 'POLICY_LOCKFILE_COMMIT_MISMATCH', 'LOCKFILE_MISMATCH'])
      expect(isEnforced(code), code).toBe(true);
    expect(isEnforced('POLICY_SIGNATURE_UNVERIFIED')).toBe(false);
    expect(isEnforced('POLICY_FORMAT_DENIED')).toBe(false);
  });

  it('denies with findings.ignore, findings.severity and deny.severity: critical all trying to let them pass', () => {
    const at = { file: '.', location: [] };
    const extra = [
      makeFinding(SIGNATURE_CODES, 'SIGNATURE_UNTRUSTED', at, 'model.sig: signer x is not trusted'),
      makeFinding(SIGNATURE_CODES, 'SIGNATURE_FILE_CHANGED', at, 'model.sig: a changed'),
      makeFinding(SIGNATURE_CODES, 'SIGNATURE_MISSING', at, 'model.sig: none'),
      makeFinding(LOCKFILE_CODES, 'LOCKFILE_MISMATCH', at, 'a: changed'),
      makeFinding(POLICY_CODES, 'POLICY_SIGNATURE_NO_TRUST', at, 'no trust'),
    ];
    const d = evaluate({ scan: scan(), policy: policy(lax + `sources:\n  allow: [other/*]\n  endpoints: ['https://hub.example']\n  commits:\n    org/model: ${C2}\n`), source: hub(), extraFindings: extra, codeInfo });
    expect(d.verdict).toBe('DENY');
    for (const f of d.findings) {
      expect(f.denies, f.code).toBe(true);
      expect(f.waived, f.code).toBeUndefined();
    }
    expect(d.findings.find((f) => f.code === 'SIGNATURE_FILE_CHANGED')?.severity).toBe('critical');
    expect(d.findings.find((f) => f.code === 'POLICY_COMMIT_MISMATCH')?.severity).toBe('critical');
    expect(d.findings.map((f) => f.code).sort()).toEqual(
      ['LOCKFILE_MISMATCH', 'POLICY_COMMIT_MISMATCH', 'POLICY_ENDPOINT_DENIED', 'POLICY_SIGNATURE_NO_TRUST', 'POLICY_SOURCE_DENIED', 'SIGNATURE_FILE_CHANGED', 'SIGNATURE_MISSING', 'SIGNATURE_UNTRUSTED'].sort(),
    );
  });

  it('an unverified signature is only noted (info), never approval evidence and never a denial', () => {
    const note = makeFinding(POLICY_CODES, 'POLICY_SIGNATURE_UNVERIFIED', { file: 'model.sig', location: [] }, 'present, no trust');
    const d = evaluate({ scan: scan(), policy: policy(''), source: { kind: 'local', path: '.' }, extraFindings: [note], codeInfo });
    expect(d.verdict).toBe('APPROVE');
    expect(d.findings[0]).toMatchObject({ code: 'POLICY_SIGNATURE_UNVERIFIED', severity: 'info', denies: false });
  });

  it('a source denied before the fetch reports its reason, not an empty target', () => {
    const d = evaluate({ scan: scan([]), policy: policy("sources:\n  endpoints: ['https://huggingface.co']\n"), source: hub({ endpoint: 'http://evil.test', commit: '' }), codeInfo, fetched: false });
    expect(d.findings.map((f) => f.code)).toEqual(['POLICY_ENDPOINT_DENIED']);
    expect(evaluate({ scan: scan([]), policy: policy(''), source: hub(), codeInfo }).findings.map((f) => f.code)).toEqual(['POLICY_NOTHING_SCANNED']);
  });
});
