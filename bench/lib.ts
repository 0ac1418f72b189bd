import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../src/core/package-root.js';

export const DATA_DIR = join(packageRoot(), 'bench', '.data');

export async function dataPath(name: string): Promise<string> {
  await mkdir(DATA_DIR, { recursive: true });
  return join(DATA_DIR, name);
}

/** Best wall time (ms) of `runs` runs of an async function. */
export async function bestOf(runs: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

/** Best wall time (ms) of an external command; throws when it fails. */
export function bestOfCommand(runs: number, command: string, args: string[]): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.error?.message ?? r.status})`);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

/** True when `command` runs; `versionArgs` is how it prints its version (openssl: ['version'], curl: ['--version']). */
export function hasCommand(command: string, versionArgs: string[] = ['--version']): boolean {
  return spawnSync(command, versionArgs, { stdio: 'ignore' }).status === 0;
}

/** Writes `bytes` of pseudo-random data (fast xorshift, deterministic) unless the file already has that size. */
export async function ensureDataFile(path: string, bytes: number, seed = 0x9e3779b9): Promise<void> {
  const existing = await stat(path).catch(() => null);
  if (existing?.size === bytes) return;
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  let x = seed | 1;
  let written = 0;
  while (written < bytes) {
    for (let i = 0; i < chunk.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk.writeUInt32LE(x >>> 0, i);
    }
    const piece = chunk.subarray(0, Math.min(chunk.length, bytes - written));
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += piece.length;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export function ratioLine(name: string, ratio: number, goal: number, detail: string): string {
  const status = ratio >= goal ? 'meets goal' : 'BELOW goal';
  return `${name.padEnd(34)} ${ratio.toFixed(3)}x  (goal >= ${goal}x, ${status})  ${detail}`;
}
