import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../src/core/package-root.js';
import { hasCommand, ratioLine } from './lib.js';

const MIB = 1024 * 1024;
const TSX = join(packageRoot(), 'node_modules', '.bin', 'tsx');

async function startHubChild(fileBytes: number, count: number): Promise<{ child: ChildProcess; url: string; files: string[] }> {
  const child = spawn(TSX, [join(packageRoot(), 'bench', 'hub-child.ts'), String(fileBytes), String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`hub child exited ${code}`)));
  });
  const { url, files } = JSON.parse(line) as { url: string; files: string[] };
  return { child, url, files };
}

function fetchOnce(url: string, jobs: number): Promise<{ ms: number; maxRssKiB: number }> {
  return (async () => {
    const cache = await mkdtemp(join(tmpdir(), 'modelscan-bench-cache-'));
    try {
      const r = spawnSync(TSX, [join(packageRoot(), 'bench', 'fetch-child.ts'), url, cache, String(jobs)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`fetch failed: ${r.stderr.trim().split('\n').pop()}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssKiB: number };
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  })();
}

/** Same files, same server, same run: `curl -L` (all files in parallel, each written to a file) as the reference. */
async function curlOnce(url: string, files: string[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'modelscan-bench-curl-'));
  try {
    const args = ['-s', '-f', '-L', '--parallel', '--parallel-max', String(files.length)];
    for (const f of files) args.push('-o', join(dir, f), `${url}/bench/model/resolve/main/${f}`);
    const started = process.hrtime.bigint();
    const r = spawnSync('curl', args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`curl failed (${r.status})`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchDownload(): Promise<string[]> {
  if (!hasCommand('curl')) return ['download: curl not found (apt-get install curl) to measure the ratio'];
  const lines: string[] = [];
  const big = await startHubChild(512 * MIB, 4);
  try {
    await curlOnce(big.url, big.files); // warm the page cache and the server's digests
    const curl = Math.min(await curlOnce(big.url, big.files), await curlOnce(big.url, big.files));
    const ours = Math.min((await fetchOnce(big.url, 4)).ms, (await fetchOnce(big.url, 4)).ms);
    const bytes = 4 * 512 * MIB;
    lines.push(ratioLine('download 4 x 512 MiB vs curl', curl / ours, 0.9, `ours ${(bytes / 1e6 / (ours / 1000)).toFixed(0)} MB/s (sha256 inline, written to the cache), curl ${(bytes / 1e6 / (curl / 1000)).toFixed(0)} MB/s (no verification)`));
    const rssBig = (await fetchOnce(big.url, 4)).maxRssKiB;
    big.child.kill();
    const small = await startHubChild(64 * MIB, 4);
    try {
      const rssSmall = (await fetchOnce(small.url, 4)).maxRssKiB;
      lines.push(`download peak RSS 512 MiB / 64 MiB files  ${(rssBig / rssSmall).toFixed(2)}x  (goal ~1x: streams, never buffers a file)  ${(rssSmall / 1024).toFixed(0)} MiB vs ${(rssBig / 1024).toFixed(0)} MiB`);
    } finally {
      small.child.kill();
    }
  } finally {
    big.child.kill();
  }
  return lines;
}
