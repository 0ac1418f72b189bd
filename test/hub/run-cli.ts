import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI; MODELSCAN_HUB_CLI points the e2e tests at another build. */
export const CLI = process.env.MODELSCAN_HUB_CLI ?? fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  /** null when it was killed for running past `timeoutMs`. */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Variables that would let the user's own hub setup leak into a test run. */
const HUB_ENV = /^(HF_|HUGGING_?FACE_|HUGGINGFACE_|TRANSFORMERS_OFFLINE$|XDG_CACHE_HOME$|MODELSCAN_)/;

/**
 * Runs the built CLI without blocking the event loop: the loopback hub lives in the test process, so
 * test/e2e/helpers.ts `runCli` (spawnSync) would deadlock against it.
 */
export function runCliAsync(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !HUB_ENV.test(k)) env[k] = v;
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
