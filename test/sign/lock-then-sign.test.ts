import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check.js';
import { lock } from '../../src/lock.js';
import { signModel } from '../../src/sign/index.js';
import { writeEcKey, type KeyFiles } from './pki.js';

/**
 * `check` leaves a local folder's own modelscan.lock out of the model, so `signModel` records it as
 * ignored: a folder locked first and signed afterwards passes a policy that requires both the signature
 * and the lockfile. (A model.sig written into the folder after the lock is a file the lockfile does not
 * pin, so lock-then-sign keeps the signature beside the folder; sign-then-lock may keep it inside.)
 */
const EXAMPLE = new URL('../../fixtures/models/example/', import.meta.url);

let dir: string;
let key: KeyFiles;
let policyPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-lock-sign-'));
  key = await writeEcKey(dir, 'org', 'P-256');
  policyPath = join(dir, 'policy.yaml');
  await writeFile(policyPath, `name: signed-and-locked\nsignature:\n  required: true\n  public_keys: ['${key.publicKeyPath}']\nlockfile:\n  required: true\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function freshModel(name: string): Promise<string> {
  const model = join(dir, name);
  await cp(EXAMPLE, model, { recursive: true });
  return model;
}

const signer = () => ({ method: 'key' as const, privateKeyPath: key.privateKeyPath });
const denying = (r: Awaited<ReturnType<typeof check>>) => r.findings.filter((f) => f.denies).map((f) => f.code);
const payloadOf = async (sig: string) => JSON.parse(Buffer.from(JSON.parse(await readFile(sig, 'utf8')).dsseEnvelope.payload, 'base64').toString('utf8'));

describe('lock, then sign, then check under a signature + lockfile policy', () => {
  it('lock then sign: APPROVE, modelscan.lock recorded as ignored and not signed', async () => {
    const model = await freshModel('lock-first');
    await lock(model);
    const sig = join(dir, 'lock-first.sig');
    await signModel({ modelPath: model, signer: signer(), signaturePath: sig });
    const statement = await payloadOf(sig);
    expect(statement.predicate.serialization.ignore_paths).toContain('modelscan.lock');
    expect(statement.predicate.resources.map((r: { name: string }) => r.name)).not.toContain('modelscan.lock');

    const report = await check(model, { policyPath, signaturePath: sig, concurrency: 2 });
    expect(denying(report), report.reasons.join('\n')).toEqual([]);
    expect(report.verdict).toBe('APPROVE');
    expect(report.signature).toMatchObject({ status: 'verified', method: 'key' });
    expect(report.lockfile).toMatchObject({ status: 'verified' });

    // Still bound to the bytes: one changed model file denies on both counts.
    await writeFile(join(model, 'config.json'), '{"changed": true}\n');
    const changed = await check(model, { policyPath, signaturePath: sig, concurrency: 2 });
    expect(changed.verdict).toBe('DENY');
    expect(denying(changed)).toEqual(expect.arrayContaining(['SIGNATURE_FILE_CHANGED', 'LOCKFILE_MISMATCH']));
  });

  it('with the lockfile signed (ignoreLockfile: false) the same order denies with SIGNATURE_FILE_MISSING', async () => {
    const model = await freshModel('lock-signed');
    await lock(model);
    const sig = join(dir, 'lock-signed.sig');
    await signModel({ modelPath: model, signer: signer(), signaturePath: sig, ignoreLockfile: false });
    const report = await check(model, { policyPath, signaturePath: sig, concurrency: 2 });
    expect(report.verdict).toBe('DENY');
    expect(denying(report)).toEqual(['SIGNATURE_FILE_MISSING']);
  });

  it('sign then lock: APPROVE (the lockfile pins model.sig)', async () => {
    const model = await freshModel('sign-first');
    await signModel({ modelPath: model, signer: signer(), signaturePath: join(model, 'model.sig') });
    await lock(model);
    const report = await check(model, { policyPath, concurrency: 2 });
    expect(denying(report), report.reasons.join('\n')).toEqual([]);
    expect(report.verdict).toBe('APPROVE');
  });
});
