import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyModelSignature } from '../../src/verify/oms/index.js';
import { CLI } from '../e2e/helpers.js';
import { writeEcKey, type KeyFiles } from '../sign/pki.js';
import { fakeIdentityToken, MOCK_ISSUER, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.js';

const EXAMPLE = new URL('../../fixtures/models/example/', import.meta.url);

/** Runs the built CLI without blocking the event loop (the mock Sigstore answers from this process). */
function cli(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, SIGSTORE_ID_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

let dir: string;
let model: string;
let key: KeyFiles;
let sigstore: MockSigstore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-attest-cli-'));
  model = join(dir, 'model');
  await cp(EXAMPLE, model, { recursive: true });
  key = await writeEcKey(dir, 'attest', 'P-384');
  sigstore = await startMockSigstore();
});
afterAll(async () => {
  await sigstore.close();
  await rm(dir, { recursive: true, force: true });
});

describe('check --attest keyless, then attest verify (built CLI)', () => {
  it('check --attest --identity-token against a private Sigstore; attest verify --identity --identity-provider --trust-root (exit 0); no signer named (exit 2)', async () => {
    const identity = 'ci-bot@modelscan.test';
    const tokenFile = join(dir, 'oidc-token');
    await writeFile(tokenFile, fakeIdentityToken({ email: identity }));
    const trustRoot = await sigstore.writeTrustedRoot(dir);
    const check = await cli(['check', model, '-q', '--attest', 'keyless.json', '--identity-token', `@${tokenFile}`, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL], dir);
    expect(check.status, check.stderr).toBe(0);
    const ok = await cli(['attest', 'verify', model, '--attestation', 'keyless.json', '--identity', identity, '--identity-provider', MOCK_ISSUER, '--trust-root', trustRoot], dir);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(identity);
    const noTrust = await cli(['attest', 'verify', model, '--attestation', 'keyless.json'], dir);
    expect(noTrust.status).toBe(2);
    expect(noTrust.stderr).toContain('name the signer');
    // The key path, tampering, DENY and policy mismatch through the CLI: test/e2e/provenance-attest.test.ts.
  });
});

describe('modelscan sign (built CLI)', () => {
  it('writes ./model.sig by default, recorded ignores relative to the working folder; exit 2 without a method', async () => {
    const signed = await cli(['sign', 'model', '--key', key.privateKeyPath, '--ignore-paths', 'model/README.md'], dir);
    expect(signed.status, signed.stderr).toBe(0);
    const statement = JSON.parse(Buffer.from(JSON.parse(await readFile(join(dir, 'model.sig'), 'utf8')).dsseEnvelope.payload, 'base64').toString());
    expect(statement.predicate.resources.map((r: { name: string }) => r.name)).toEqual(['config.json', 'model.safetensors']);
    expect(await verifyModelSignature({ modelPath: model, signaturePath: join(dir, 'model.sig'), trust: { publicKeyPaths: [key.publicKeyPath] } })).toMatchObject({ valid: true });

    const none = await cli(['sign', 'model'], dir);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('choose a signing method');
  });

  it('signs keyless with --identity-token @file against a private Sigstore', async () => {
    const identity = 'publisher@modelscan.test';
    const tokenFile = join(dir, 'pub-token');
    await writeFile(tokenFile, fakeIdentityToken({ email: identity }));
    const signed = await cli(['sign', 'model', '--signature', 'keyless.sig', '--identity-token', `@${tokenFile}`, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL, '--tsa-url', sigstore.tsaURL], dir);
    expect(signed.status, signed.stderr).toBe(0);
    const trustedRootPath = await sigstore.writeTrustedRoot(dir);
    const r = await verifyModelSignature({ modelPath: model, signaturePath: join(dir, 'keyless.sig'), trust: { sigstore: { identities: [{ identity, issuer: MOCK_ISSUER }], trustedRootPath } } });
    expect(r, JSON.stringify(r)).toMatchObject({ valid: true, method: 'sigstore' });
  });
});
