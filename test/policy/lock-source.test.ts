import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelscanError } from '../../src/core/errors.js';
import { parseLockSource, readPinnedLockfile } from '../../src/policy/lock-source.js';

const COMMIT = 'c0ffee0000000000000000000000000000000001';
const source = { endpoint: 'https://huggingface.co', repo: 'org/model', revision: 'main', commit: COMMIT };
const lockText = (extra: Record<string, unknown>) => JSON.stringify({ version: 1, tool: 'modelscan 0', files: [], ...extra });

function rejection(text: string): string {
  try {
    parseLockSource(text, 'm.lock');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelscanError);
    expect((error as ModelscanError).code).toBe('LOCKFILE_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('the lockfile source pin', () => {
  it('reads a complete pin, and none when absent (older lockfiles)', () => {
    expect(parseLockSource(lockText({ source }), 'm.lock')).toEqual(source);
    expect(parseLockSource(lockText({}), 'm.lock')).toBeUndefined();
  });

  it('rejects a malformed pin with the field named', () => {
    expect(rejection(lockText({ source: 'org/model' }))).toBe('m.lock: source is not an object');
    expect(rejection(lockText({ source: { ...source, commit: 'main' } }))).toBe('m.lock: source.commit is not a 40-hex commit');
    expect(rejection(lockText({ source: { ...source, repo: '../x' } }))).toBe('m.lock: source.repo is not a repository id org/name');
    expect(rejection(lockText({ source: { ...source, endpoint: 'file:///etc' } }))).toBe('m.lock: source.endpoint is not an http(s) URL');
    expect(rejection(lockText({ source: { ...source, revision: '' } }))).toBe('m.lock: source.revision is not a revision');
    expect(rejection('[]')).toBe('m.lock: expected a JSON object');
  });

  it('readPinnedLockfile: null when absent, the files and the pin when present', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelscan-lock-source-'));
    try {
      expect(await readPinnedLockfile(join(dir, 'none.lock'))).toBeNull();
      const path = join(dir, 'modelscan.lock');
      await writeFile(path, lockText({ source, files: [{ path: 'a', size: 1, sha256: 'a'.repeat(64) }] }));
      expect(await readPinnedLockfile(path)).toMatchObject({ version: 1, source, files: [{ path: 'a' }] });
      await writeFile(path, lockText({ source: { ...source, commit: 42 } }));
      await expect(readPinnedLockfile(path)).rejects.toThrow(/source\.commit/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('property: any JSON or text yields a pin, none, or a typed error', () => {
    const outcome = (text: string) => {
      try {
        parseLockSource(text, 'l');
        return 'ok';
      } catch (error) {
        if (error instanceof ModelscanError) return 'typed';
        throw error;
      }
    };
    const pinLike = fc.record(
      { endpoint: fc.oneof(fc.webUrl(), fc.string()), repo: fc.oneof(fc.constant('org/model'), fc.string()), revision: fc.string(), commit: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), fc.string()) },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), pinLike.map((s) => lockText({ source: s }))), (text) => {
        expect(['ok', 'typed']).toContain(outcome(text));
      }), { numRuns: 500 });
  });
});
