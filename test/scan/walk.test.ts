import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelscanError } from '../../src/core/errors.js';
import { walkTarget } from '../../src/scan/walk.js';

let dir: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-walk-'));
  outside = await mkdtemp(join(tmpdir(), 'modelscan-outside-'));
  await writeFile(join(outside, 'secret'), 'secret');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('walkTarget', () => {
  it('lists nested files sorted, relative with forward slashes', async () => {
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'b.txt'), 'b');
    await writeFile(join(dir, 'a.txt'), 'a');
    await writeFile(join(dir, 'sub', 'deeper', 'c.bin'), 'ccc');
    const walk = await walkTarget(dir);
    expect(walk.entries.map((e) => [e.kind, e.rel])).toEqual([
      ['file', 'a.txt'],
      ['file', 'b.txt'],
      ['file', 'sub/deeper/c.bin'],
    ]);
    expect(walk.entries[2]).toMatchObject({ size: 3, viaSymlink: false });
  });

  it('reports a symlink that leaves the target and never follows it', async () => {
    await symlink(join(outside, 'secret'), join(dir, 'weights.bin'));
    await symlink(outside, join(dir, 'linked-dir'));
    await symlink('../../../../../../../../etc/passwd', join(dir, 'rel-escape'));
    const walk = await walkTarget(dir);
    expect(walk.entries.map((e) => [e.kind, e.rel])).toEqual([
      ['symlink-escape', 'linked-dir'],
      ['symlink-escape', 'rel-escape'],
      ['symlink-escape', 'weights.bin'],
    ]);
  });

  it('follows a symlink that stays inside and reports broken links', async () => {
    await writeFile(join(dir, 'real.bin'), 'x');
    await symlink('real.bin', join(dir, 'alias.bin'));
    await symlink('missing.bin', join(dir, 'broken.bin'));
    const walk = await walkTarget(dir);
    expect(walk.entries.map((e) => [e.kind, e.rel])).toEqual([
      ['file', 'alias.bin'],
      ['symlink-broken', 'broken.bin'],
      ['file', 'real.bin'],
    ]);
  });

  it('accepts symlinks into an explicitly allowed root (a hub cache blobs/ folder)', async () => {
    await symlink(join(outside, 'secret'), join(dir, 'weights.bin'));
    const walk = await walkTarget(dir, { allowedRoots: [outside] });
    expect(walk.entries[0]).toMatchObject({ kind: 'file', rel: 'weights.bin', viaSymlink: true });
  });

  it('does not loop on a symlink cycle', async () => {
    await mkdir(join(dir, 'a'));
    await symlink('..', join(dir, 'a', 'up'));
    await writeFile(join(dir, 'a', 'f'), 'f');
    const walk = await walkTarget(dir);
    expect(walk.entries.filter((e) => e.kind === 'file').map((e) => e.rel)).toEqual(['a/f']);
  });

  it('reports a FIFO without opening it', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const walk = await walkTarget(dir);
    expect(walk.entries).toEqual([{ kind: 'special', rel: 'pipe', type: 'fifo' }]);
  });

  it('skips .git and says so', async () => {
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'HEAD'), 'ref');
    const walk = await walkTarget(dir);
    expect(walk.entries).toEqual([{ kind: 'skipped-git', rel: '.git' }]);
  });

  it('takes a single file as a target', async () => {
    await writeFile(join(dir, 'model.bin'), 'data');
    const walk = await walkTarget(join(dir, 'model.bin'));
    expect(walk.singleFile).toBe(true);
    expect(walk.entries.map((e) => e.rel)).toEqual(['model.bin']);
  });

  it('throws TARGET_NOT_FOUND for a missing target', async () => {
    await expect(walkTarget(join(dir, 'nope'))).rejects.toMatchObject({ code: 'TARGET_NOT_FOUND' });
    await expect(walkTarget(join(dir, 'nope'))).rejects.toBeInstanceOf(ModelscanError);
  });
});
