import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPickle } from '../../scripts/fixtures/lib/pickle-writer.js';
import { CLI, REPO, runCli } from './helpers.js';

/** `check --attest F --attest-key K` then `attest verify`, with the built CLI: the CI enforcement loop. */
let work: string;
let key: string;
let pub: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run "npm run build" (npm test does)`);
  work = await mkdtemp(join(tmpdir(), 'modelscan-prov-attest-'));
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  key = join(work, 'attest-key.pem');
  pub = join(work, 'attest-key.pub');
  await writeFile(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function model(name: string): Promise<string> {
  const dir = join(work, name);
  await cp(join(REPO, 'fixtures/models/example'), dir, { recursive: true });
  return dir;
}

describe('check --attest then attest verify (built CLI)', () => {
  it('verifies after an APPROVE, and fails (exit 1) once one byte of the model changes', async () => {
    const dir = await model('approved');
    const bundle = join(work, 'approved.sig');
    const checked = runCli(['check', dir, '--attest', bundle, '--attest-key', key, '--format', 'json']);
    expect(checked.status, checked.stderr).toBe(0);
    const report = JSON.parse(checked.stdout);
    expect(report.attestation).toEqual({ path: bundle });
    expect(JSON.parse(await readFile(bundle, 'utf8')).mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');

    const verified = runCli(['attest', 'verify', dir, '--attestation', bundle, '--key', pub, '--policy-sha256', report.policy.sha256]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/attestation verified: APPROVE/);

    const wrongPolicy = runCli(['attest', 'verify', dir, '--attestation', bundle, '--key', pub, '--policy-sha256', 'f'.repeat(64)]);
    expect(wrongPolicy.status).toBe(1);

    const file = join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await writeFile(file, bytes);
    const tampered = runCli(['attest', 'verify', dir, '--attestation', bundle, '--key', pub]);
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toMatch(/model\.safetensors/);
  });

  it('writes the attestation for a DENY too, which attest verify refuses', async () => {
    const dir = await model('denied');
    await writeFile(join(dir, 'pytorch_model.bin'), callPickle('os', 'system', 'id'));
    const bundle = join(work, 'denied.sig');
    const checked = runCli(['check', dir, '--attest', bundle, '--attest-key', key, '--quiet']);
    expect(checked.status).toBe(1);
    expect(existsSync(bundle)).toBe(true);
    const verified = runCli(['attest', 'verify', dir, '--attestation', bundle, '--key', pub]);
    expect(verified.status).toBe(1);
    expect(verified.stderr).toMatch(/DENY/);
  });

  it('records a verified model signature in the attested predicate', async () => {
    const vectors = join(REPO, '..', 'shared', 'signing-vectors');
    const policy = join(work, 'signed.yaml');
    await writeFile(policy, `name: signed\nsignature:\n  required: true\n  public_keys: ['${join(vectors, 'keys/certificate/signing-key-pub.pem')}']\n`);
    const bundle = join(work, 'signed.sig');
    const checked = runCli(['check', join(vectors, 'v1.1.0-elliptic-key'), '--policy', policy, '--attest', bundle, '--attest-key', key, '--quiet']);
    expect(checked.status, checked.stderr).toBe(0);
    const envelope = JSON.parse(await readFile(bundle, 'utf8')).dsseEnvelope;
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement.predicate.verdict).toBe('APPROVE');
    expect(statement.predicate.signature).toMatchObject({ status: 'verified', method: 'key' });
  });

  it('exits 2 when the attestation cannot be written or signed', async () => {
    const dir = await model('unwritable');
    const noDir = runCli(['check', dir, '--attest', join(work, 'no', 'such', 'dir', 'a.sig'), '--attest-key', key]);
    expect(noDir.status).toBe(2);
    expect(noDir.stderr.trim().split('\n')).toHaveLength(1);
    const badKey = join(work, 'not-a-key.pem');
    await mkdir(join(work, 'k'), { recursive: true });
    await writeFile(badKey, 'not a key\n');
    const r = runCli(['check', dir, '--attest', join(work, 'k', 'a.sig'), '--attest-key', badKey]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^modelscan: attestation: SIGN_KEY_INVALID: /);
  });
});
