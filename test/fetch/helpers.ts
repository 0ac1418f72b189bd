import { createHash } from 'node:crypto';
import { mkdtemp, readdir, lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { commitSha, type Hub, type HubFile, type HubRepo, startHub } from '../hub/index.js';
import { fetchSnapshot, type FetchOptions } from '../../src/fetch/index.js';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Deterministic pseudo-random bytes (xorshift), so LFS fixtures are a few hundred KiB without fixtures on disk. */
export function bytes(seed: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const FILES = {
  config: Buffer.from('{"model_type": "demo", "hidden_size": 8}\n'),
  readme: Buffer.from('# demo\n'),
  weights: bytes(1, 300 * 1024),
  nested: bytes(2, 64 * 1024),
  vocab: Buffer.from('{"a": 1}\n'),
};

export function demoFiles(): HubFile[] {
  return [
    { path: 'README.md', content: FILES.readme },
    { path: 'config.json', content: FILES.config },
    { path: 'model.safetensors', content: FILES.weights, lfs: true },
    { path: 'sub/dir/weights.bin', content: FILES.nested, lfs: true },
    { path: 'tokenizer/vocab.json', content: FILES.vocab },
  ];
}

export function demoRepo(id = 'acme/demo', extra: Partial<HubRepo> = {}): HubRepo {
  const main = commitSha(`${id}@main`);
  const v1 = commitSha(`${id}@v1`);
  const pr = commitSha(`${id}@pr1`);
  const v1Files = demoFiles().filter((f) => f.path !== 'tokenizer/vocab.json');
  const prFiles = [...demoFiles(), { path: 'extra.txt', content: Buffer.from('pr\n') }];
  return { id, commits: { [main]: demoFiles(), [v1]: v1Files, [pr]: prFiles }, refs: { main, 'v1.0': v1, 'refs/pr/1': pr }, ...extra };
}

export async function tempDir(prefix = 'modelscan-fetch-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function withHub(options?: { pageSize?: number }): Promise<Hub> {
  return startHub(options);
}

/** Fast, isolated options: no environment leaks in, short backoff and stall timeouts, no progress bar. */
export function opts(hub: Hub, cacheDir: string, more: Partial<FetchOptions> = {}): FetchOptions {
  return {
    repo: 'acme/demo',
    endpoint: hub.url,
    cacheDir,
    token: null,
    progress: false,
    env: { MODELSCAN_RETRY_BASE_MS: '1' },
    timeouts: { connectMs: 2000, stallMs: 2000 },
    ...more,
  };
}

export async function fetchError(options: FetchOptions): Promise<{ code: string; message: string; file?: string; error: Error }> {
  try {
    await fetchSnapshot(options);
  } catch (error) {
    const e = error as { code: string; message: string; file?: string };
    return { code: e.code, message: e.message, ...(e.file !== undefined ? { file: e.file } : {}), error: error as Error };
  }
  throw new Error('expected fetchSnapshot to fail');
}

/** Every path under `root` (relative, `/`), with `@` for symlinks. */
export async function listTreeOnDisk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const st = await lstat(abs);
      const rel = relative(root, abs).split('\\').join('/');
      if (st.isSymbolicLink()) out.push(`${rel}@`);
      else if (st.isDirectory()) {
        out.push(`${rel}/`);
        await visit(abs);
      } else out.push(rel);
    }
  };
  await visit(root);
  return out;
}

export async function cleanup(...dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
