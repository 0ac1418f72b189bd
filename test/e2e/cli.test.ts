import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PickleWriter, callPickle } from '../../scripts/fixtures/lib/pickle-writer.js';
import { CLI, REPO, runCli } from './helpers.js';

let work: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run "npm run build" (npm test does)`);
  work = await mkdtemp(join(tmpdir(), 'modelscan-e2e-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function cleanStatePickle(): Buffer {
  // collections.OrderedDict() with one tensor rebuilt from a persistent storage id.
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().binput(0);
  w.unicode('weight').global('torch._utils', '_rebuild_tensor_v2');
  w.mark().mark().unicode('storage').global('torch', 'FloatStorage').unicode('0').unicode('cpu').int(4).tuple().binpersid();
  w.int(0).int(4).tuple1().int(1).tuple1().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  return w.setitem().stop().bytes();
}

describe('modelscan CLI (built, as a subprocess)', () => {
  it('approves the bundled example with exit 0 and the verdict first', () => {
    const r = runCli(['check', 'fixtures/models/example']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('APPROVE fixtures/models/example');
  });

  it('writes a JSON report with the documented fields', () => {
    const r = runCli(['check', 'fixtures/models/example', '--format', 'json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, verdict: 'APPROVE', target: 'fixtures/models/example', tool: { name: 'modelscan' }, policy: { name: 'default', source: 'builtin:default' } });
    const paths = report.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual(['README.md', 'config.json', 'model.safetensors']);
    for (const f of report.files) {
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof f.size).toBe('number');
    }
    expect(report.files.find((f: { path: string }) => f.path === 'model.safetensors').format).toBe('safetensors');
    expect(Array.isArray(report.findings)).toBe(true);
  });

  it('denies a pickle that imports os.system with exit 1 and names the evidence', async () => {
    const dir = join(work, 'evil');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pytorch_model.bin'), callPickle('os', 'system', 'touch /tmp/pwned'));
    const r = runCli(['check', dir, '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('DENY');
    const hit = report.findings.find((f: { code: string }) => f.code === 'PICKLE_DENIED_GLOBAL');
    expect(hit).toMatchObject({ severity: 'critical', file: 'pytorch_model.bin', denies: true });
    expect(hit.evidence).toMatchObject({ module: 'os', name: 'system' });
    expect(report.reasons.length).toBeGreaterThan(0);
  });

  it('approves a plain state_dict pickle under the default policy', async () => {
    const dir = join(work, 'state');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'weights.pkl'), cleanStatePickle());
    const r = runCli(['check', dir, '--format', 'json']);
    const report = JSON.parse(r.stdout);
    expect(report.findings.filter((f: { denies: boolean }) => f.denies)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('text output groups findings by file, one line each', async () => {
    const dir = join(work, 'evil-text');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'a.pkl'), callPickle('subprocess', 'Popen', 'id'));
    const r = runCli(['check', dir]);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`DENY ${dir}`);
    const fileLine = lines.findIndex((l) => l.startsWith('a.pkl'));
    expect(fileLine).toBeGreaterThan(0);
    expect(lines[fileLine + 1]).toMatch(/^ {2}CRITICAL +PICKLE_DENIED_GLOBAL/);
  });

  it('exits 2 with a one-line error for a missing target', () => {
    const r = runCli(['check', join(work, 'does-not-exist')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does-not-exist: no such file or folder/);
  });

  it('exits 2 for an invalid policy, naming file, line and column', async () => {
    const policy = join(work, 'bad.yaml');
    await writeFile(policy, 'name: x\ndeny:\n  severty: high\n');
    const r = runCli(['check', 'fixtures/models/example', '--policy', policy]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`modelscan: ${policy}:3:3: deny.severty: unknown key (expected one of severity)`);
  });

  it('exits 2 on a usage error', () => {
    expect(runCli(['check']).status).toBe(2);
    expect(runCli(['check', 'x', '--format', 'xml']).status).toBe(2);
    expect(runCli(['frobnicate']).status).toBe(2);
  });

  it('exits 2 when the report cannot be written', () => {
    const r = runCli(['check', 'fixtures/models/example', '--output', join(work, 'no', 'such', 'dir', 'r.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot write report \(ENOENT\)/);
  });

  it('writes the report to --output and prints nothing', async () => {
    const out = join(work, 'report.json');
    const r = runCli(['check', 'fixtures/models/example', '--format', 'json', '--output', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(await readFile(out, 'utf8')).verdict).toBe('APPROVE');
  });

  it('locks a folder, then denies after one byte of a file changes', async () => {
    const dir = join(work, 'locked');
    await cp(join(REPO, 'fixtures/models/example'), dir, { recursive: true });
    const locked = runCli(['lock', dir]);
    expect(locked.status).toBe(0);
    const lock = JSON.parse(await readFile(join(dir, 'modelscan.lock'), 'utf8'));
    expect(lock.files.map((f: { path: string }) => f.path)).toEqual(['README.md', 'config.json', 'model.safetensors']);
    const policy = join(work, 'lock-policy.yaml');
    await writeFile(policy, 'name: pinned\nlockfile:\n  required: true\n');
    expect(runCli(['check', dir, '--policy', policy]).status).toBe(0);

    const readme = join(dir, 'README.md');
    const bytes = await readFile(readme);
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(readme, bytes);
    const r = runCli(['check', dir, '--policy', policy, '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.lockfile).toEqual({ path: 'modelscan.lock', status: 'mismatch' });
    expect(report.findings.find((f: { code: string }) => f.code === 'LOCKFILE_MISMATCH').file).toBe('README.md');
  });

  it('denies when the policy requires a lockfile that is absent', async () => {
    const policy = join(work, 'lock-required.yaml');
    await writeFile(policy, 'name: pinned\nlockfile:\n  required: true\n');
    const r = runCli(['check', 'fixtures/models/example', '--policy', policy, '--format', 'json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)).toContain('LOCKFILE_NOT_FOUND');
  });

  it('denies a folder with a symlink that escapes it', async () => {
    const dir = join(work, 'escape');
    await cp(join(REPO, 'fixtures/models/example'), dir, { recursive: true });
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc/passwd', join(dir, 'tokenizer.json'));
    const r = runCli(['check', dir, '--format', 'json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings.find((f: { code: string }) => f.code === 'SYMLINK_ESCAPE').file).toBe('tokenizer.json');
  });

  it('validates policies with `policy validate`', () => {
    expect(runCli(['policy', 'validate', 'policies/org-example.yaml']).status).toBe(0);
  });

  it('never prints a stack trace for hostile input', async () => {
    const dir = join(work, 'garbage');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.safetensors'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x7b]));
    await writeFile(join(dir, 'x.pkl'), Buffer.from([0x80, 0x05, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    const r = runCli(['check', dir, '--format', 'json']);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
