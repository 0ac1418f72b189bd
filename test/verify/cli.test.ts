import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCli as verifyInProcess } from './support/verify-in-process.js';
import { KEYS, SIGSTORE_IDENTITY, SIGSTORE_ISSUER, VECTORS } from './vectors.js';

const PROGRAM = fileURLToPath(new URL('./support/cli-program.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** tsx by absolute URL, so the program also runs from a working directory outside the repository. */
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/**
 * Runs `modelscan verify ...` as a process, through registerVerifyCommand in a stand-in program
 * (main.ts registers the same function; the e2e suite covers the built CLI once it does).
 */
function verifyProcess(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, ['--import', TSX, PROGRAM, 'verify', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in this process (fast), from the repository root by default. */
const verifyCli = (args: string[], cwd = REPO) => verifyInProcess(args, cwd);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-cli-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('modelscan verify (CLI shape of model_signing)', () => {
  it('as a process: verify sigstore exits 0 with one line on stdout (default signature model.sig inside the model)', () => {
    const r = verifyProcess(['sigstore', join(VECTORS, 'v1.1.0-sigstore'), '--identity', SIGSTORE_IDENTITY, '--identity-provider', SIGSTORE_ISSUER]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('verified');
  });

  it('verify sigstore with a wrong identity: exit 1, reason on one line of stderr', async () => {
    const r = await verifyCli(['sigstore', join(VECTORS, 'v1.1.0-sigstore'), '--identity', 'someone@example.com', '--identity-provider', SIGSTORE_ISSUER]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('SIGNATURE_UNTRUSTED');
  });

  it('verify key with --ignore-paths (relative to the model, and relative to the working directory)', async () => {
    const dir = join(VECTORS, 'v1.0.1-elliptic-key');
    const key = join(KEYS, 'signing-key-pub.pem');
    expect((await verifyCli(['key', dir, '--signature', join(dir, 'model.sig'), '--public-key', key])).status).toBe(1);
    expect((await verifyCli(['key', dir, '--signature', join(dir, 'model.sig'), '--public-key', key, '--ignore-paths', 'ignore-me'])).status).toBe(0);
    expect((await verifyCli(['key', 'v1.0.1-elliptic-key', '--signature', 'v1.0.1-elliptic-key/model.sig', '--public-key', key, '--ignore-paths', 'v1.0.1-elliptic-key/ignore-me'], VECTORS)).status).toBe(0);
  });

  it('verify key on a single-file model', async () => {
    const dir = join(VECTORS, 'v1.0.0-elliptic-key');
    const r = await verifyCli(['key', join(dir, 'signme-1'), '--signature', join(dir, 'model.sig'), '--public-key', join(KEYS, 'signing-key-pub.pem')]);
    expect(r.status).toBe(0);
  });

  it('verify certificate: exit 0; with a SAN pin it does not carry: exit 1; --ignore-unsigned-files', async () => {
    const dir = join(VECTORS, 'v1.0.1-certificate');
    const base = ['certificate', dir, '--signature', join(dir, 'model.sig'), '--certificate-chain', join(KEYS, 'ca-cert.pem')];
    expect((await verifyCli([...base, '--ignore-unsigned-files'])).status).toBe(0);
    const pinned = await verifyCli([...base, '--ignore-paths', 'ignore-me', '--san', 'https://nope.example']);
    expect(pinned.status).toBe(1);
    expect(pinned.stderr).toContain('pinned');
  });

  it('a changed file: exit 1 naming the file', async () => {
    const root = join(tmp, 'copy');
    await cp(join(VECTORS, 'v1.1.0-elliptic-key'), root, { recursive: true });
    for (const f of await readdir(root)) await chmod(join(root, f), 0o644);
    await writeFile(join(root, 'signme-1'), 'tampered');
    const r = await verifyCli(['key', root, '--public-key', join(KEYS, 'signing-key-pub.pem')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('"signme-1": content differs');
  });

  it('as a process: an unreadable key file, or a usage error: exit 2', () => {
    const dir = join(VECTORS, 'v1.1.0-elliptic-key');
    const r = verifyProcess(['key', dir, '--public-key', join(tmp, 'absent.pem')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('SIGNATURE_UNREADABLE');
    expect(verifyProcess(['key', dir]).status).toBe(2);
  });

  it('no signature: model.sig neither in the model nor in the working directory: exit 1', async () => {
    const r = await verifyCli(['key', join(VECTORS, 'hashing-goldens', 'models', 'sample_model'), '--public-key', join(KEYS, 'signing-key-pub.pem')], tmp);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('SIGNATURE_MISSING');
  });
});
