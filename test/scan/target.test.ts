import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkTarget } from '../../src/scan/walk.js';
import { hubRepoOf } from '../../src/target.js';

let dir: string;
let cwd: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-target-'));
  cwd = process.cwd();
  process.chdir(dir);
});
afterEach(async () => {
  process.chdir(cwd);
  await rm(dir, { recursive: true, force: true });
});

describe('hub target detection', () => {
  it('treats hf://org/name and an org/name with no local counterpart as hub repositories', () => {
    expect(hubRepoOf('hf://acme/bert')).toBe('acme/bert');
    expect(hubRepoOf('acme/bert')).toBe('acme/bert');
  });

  it('treats a missing path under an existing folder as a local path, never a hub fetch', async () => {
    await mkdir(join(dir, 'out'));
    expect(hubRepoOf('out/model')).toBeUndefined();
    expect(hubRepoOf('./acme/bert')).toBeUndefined();
    expect(hubRepoOf('acme/bert/extra')).toBeUndefined();
  });
});

describe('allowed symlink roots behind a symlink', () => {
  it('accepts links into an allowed root that is itself reached through a symlink', async () => {
    await mkdir(join(dir, 'real-cache', 'blobs'), { recursive: true });
    await writeFile(join(dir, 'real-cache', 'blobs', 'abc'), 'x');
    await symlink(join(dir, 'real-cache'), join(dir, 'linked-cache'));
    await mkdir(join(dir, 'snap'));
    await symlink(join(dir, 'linked-cache', 'blobs', 'abc'), join(dir, 'snap', 'model.bin'));
    const walk = await walkTarget(join(dir, 'snap'), { allowedRoots: [join(dir, 'linked-cache', 'blobs')] });
    expect(walk.entries.map((e) => [e.kind, e.rel])).toEqual([['file', 'model.bin']]);
  });
});
