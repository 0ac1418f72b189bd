import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers.js';

/**
 * `check` under a policy that requires an OMS signature, on the upstream model_signing vectors
 * (../shared/signing-vectors), with the built CLI: the same verifier as `modelscan verify`.
 */
const VECTORS = fileURLToPath(new URL('../../../shared/signing-vectors/', import.meta.url));
const KEY_PUB = join(VECTORS, 'keys/certificate/signing-key-pub.pem');
const IBM = { identity: 'stefanb@us.ibm.com', issuer: 'https://sigstore.verify.ibm.com/oauth2' };

let work: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run "npm run build" (npm test does)`);
  work = await mkdtemp(join(tmpdir(), 'modelscan-prov-sig-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function policy(name: string, yaml: string): Promise<string> {
  const file = join(work, `${name}.yaml`);
  await writeFile(file, `name: ${name}\n${yaml}`);
  return file;
}

function checkJson(args: string[]): { status: number | null; report: { verdict: string; reasons: string[]; signature?: Record<string, unknown>; findings: Array<{ code: string; denies: boolean }> }; stderr: string } {
  const r = runCli(['check', ...args, '--format', 'json']);
  expect(r.stdout, r.stderr).not.toBe('');
  return { status: r.status, report: JSON.parse(r.stdout), stderr: r.stderr };
}

async function writableCopy(vector: string): Promise<string> {
  const dir = join(await mkdtemp(join(work, 'copy-')), vector);
  await cp(join(VECTORS, vector), dir, { recursive: true });
  for (const name of ['model.sig', 'signme-1', 'signme-2', 'ignore-me']) await chmod(join(dir, name), 0o644);
  return dir;
}

describe('check with signature.required on the upstream vectors (built CLI)', () => {
  it('key method: approves v1.1.0-elliptic-key with the public key; one flipped byte denies', async () => {
    const p = await policy('key', `signature:\n  required: true\n  public_keys: ['${KEY_PUB}']\n`);
    const ok = checkJson([join(VECTORS, 'v1.1.0-elliptic-key'), '--policy', p]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.report.signature).toMatchObject({ path: 'model.sig', status: 'verified', method: 'key', hashedFiles: 0, reusedDigests: 2 });

    const dir = await writableCopy('v1.1.0-elliptic-key');
    const bytes = await readFile(join(dir, 'signme-1'));
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(join(dir, 'signme-1'), bytes);
    const bad = checkJson([dir, '--policy', p]);
    expect(bad.status).toBe(1);
    expect(bad.report.signature).toMatchObject({ status: 'invalid', code: 'SIGNATURE_FILE_CHANGED' });
    expect(bad.report.reasons.join('\n')).toMatch(/^SIGNATURE_FILE_CHANGED critical model\.sig: model\.sig: .*signme-1/m);
  });

  it('key method from the command line: --public-key on a policy that only requires a signature', async () => {
    const p = await policy('required', 'signature:\n  required: true\n');
    const r = checkJson([join(VECTORS, 'v1.1.0-elliptic-key'), '--policy', p, '--public-key', KEY_PUB]);
    expect(r.status, r.stderr).toBe(0);
    const noTrust = checkJson([join(VECTORS, 'v1.1.0-elliptic-key'), '--policy', p]);
    expect(noTrust.status).toBe(1);
    expect(noTrust.report.findings.filter((f) => f.denies).map((f) => f.code)).toEqual(['POLICY_SIGNATURE_NO_TRUST']);
  });

  it('sigstore method: approves v1.1.0-sigstore for the right signer, denies another identity', async () => {
    const right = await policy('sigstore', `signature:\n  required: true\n  signers:\n    - { identity: ${IBM.identity}, issuer: '${IBM.issuer}' }\n`);
    const ok = checkJson([join(VECTORS, 'v1.1.0-sigstore'), '--policy', right]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.report.signature).toMatchObject({ status: 'verified', method: 'sigstore', signer: { identity: IBM.identity, issuer: IBM.issuer } });

    const wrong = await policy('sigstore-wrong', `signature:\n  required: true\n  signers:\n    - { identity: release@org.example, issuer: '${IBM.issuer}' }\n`);
    const bad = checkJson([join(VECTORS, 'v1.1.0-sigstore'), '--policy', wrong]);
    expect(bad.status).toBe(1);
    expect(bad.report.signature).toMatchObject({ status: 'invalid', code: 'SIGNATURE_UNTRUSTED' });

    const flags = checkJson([join(VECTORS, 'v1.1.0-sigstore'), '--identity', IBM.identity, '--identity-provider', IBM.issuer, '--signature', join(VECTORS, 'v1.1.0-sigstore', 'model.sig')]);
    expect(flags.status, flags.stderr).toBe(0);
    expect(flags.report.signature).toMatchObject({ status: 'verified' });
  });

  it('denies where a signature is required and there is none', async () => {
    const p = await policy('none', `signature:\n  required: true\n  public_keys: ['${KEY_PUB}']\n`);
    const r = checkJson(['fixtures/models/example', '--policy', p]);
    expect(r.status).toBe(1);
    expect(r.report.signature).toMatchObject({ path: 'model.sig', status: 'missing' });
    expect(r.report.reasons).toEqual(['SIGNATURE_MISSING critical model.sig: model.sig: no signature found; the policy requires a model signature (signature.required)']);
  });

  it('without a policy trust, a present signature is noted and the verdict is left to the rest', () => {
    const r = checkJson([join(VECTORS, 'v1.1.0-elliptic-key')]);
    expect(r.status).toBe(0);
    expect(r.report.signature).toMatchObject({ status: 'unverified' });
  });

  it('usage errors exit 2: unpaired --identity, an attestation flag without --attest', () => {
    const unpaired = runCli(['check', 'fixtures/models/example', '--identity', 'a@b.c']);
    expect(unpaired.status).toBe(2);
    expect(unpaired.stderr.trim()).toBe('modelscan: --identity and --identity-provider come in pairs (got 1 and 0)');
    const stray = runCli(['check', 'fixtures/models/example', '--attest-key', 'k.pem']);
    expect(stray.status).toBe(2);
    expect(stray.stderr.trim()).toBe('modelscan: --attest-key needs --attest');
  });
});
