import { describe, expect, it } from 'vitest';
import type { ScannedFile } from '../../src/core/report.js';
import { buildLockfile, parseLockfile, serializeLockfile, verifyAgainstLockfile } from '../../src/verify/lockfile.js';

const sha = (c: string) => c.repeat(64);
const file = (path: string, size: number, digest: string): ScannedFile => ({ path, size, sha256: digest, format: 'safetensors', facts: {}, nested: [] });

describe('lockfile', () => {
  it('round-trips, sorted by path', () => {
    const lock = buildLockfile([file('b', 2, sha('b')), file('a', 1, sha('a'))]);
    expect(lock.files.map((f) => f.path)).toEqual(['a', 'b']);
    expect(parseLockfile(serializeLockfile(lock), 'x.lock').files).toEqual(lock.files);
  });

  it('verifies equal files and flags mismatch, missing and extra', () => {
    const lock = buildLockfile([file('same', 1, sha('a')), file('changed', 1, sha('b')), file('gone', 1, sha('c'))]);
    const findings = verifyAgainstLockfile(lock, [file('same', 1, sha('a')), file('changed', 1, sha('d')), file('new', 3, sha('e'))], 'modelscan.lock');
    expect(findings.map((f) => [f.code, f.file, f.severity])).toEqual([
      ['LOCKFILE_MISMATCH', 'changed', 'critical'],
      ['LOCKFILE_EXTRA_FILE', 'new', 'critical'],
      ['LOCKFILE_MISSING_FILE', 'gone', 'critical'],
    ]);
  });

  it('flags a size change even with the same digest', () => {
    const lock = buildLockfile([file('a', 1, sha('a'))]);
    expect(verifyAgainstLockfile(lock, [file('a', 2, sha('a'))], 'l').map((f) => f.code)).toEqual(['LOCKFILE_MISMATCH']);
  });

  it.each([
    ['not json', '{'],
    ['wrong version', '{"version":2,"files":[]}'],
    ['files not a list', '{"version":1,"files":{}}'],
    ['traversal path', `{"version":1,"files":[{"path":"../x","size":1,"sha256":"${sha('a')}"}]}`],
    ['absolute path', `{"version":1,"files":[{"path":"/x","size":1,"sha256":"${sha('a')}"}]}`],
    ['bad digest', '{"version":1,"files":[{"path":"x","size":1,"sha256":"zz"}]}'],
    ['negative size', `{"version":1,"files":[{"path":"x","size":-1,"sha256":"${sha('a')}"}]}`],
    ['duplicate path', `{"version":1,"files":[{"path":"x","size":1,"sha256":"${sha('a')}"},{"path":"x","size":1,"sha256":"${sha('a')}"}]}`],
  ])('rejects a lockfile with %s', (_why, text) => {
    expect(() => parseLockfile(text, 'm.lock')).toThrow(/^m\.lock: /);
  });
});
