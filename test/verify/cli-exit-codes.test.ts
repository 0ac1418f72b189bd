/** `modelscan verify` exit codes for outcomes the table marks incomplete: "could not complete" is 2, not 1. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerVerifyCommand } from '../../src/cli/verify-command.js';
import { keyBundle } from './support/oms-sign.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-exit-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function verifyCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
  ];
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  let status: number;
  try {
    const program = new Command('modelscan').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
    registerVerifyCommand(program);
    await program.parseAsync(['verify', ...args], { from: 'user' });
    status = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    status = 2;
  } finally {
    process.exitCode = exitCode;
    for (const spy of spies) spy.mockRestore();
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}

function statement(serialization: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'model', digest: { sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } }],
      predicateType: 'https://model_signing/signature/v1.0',
      predicate: { serialization, resources: [] },
    }),
  );
}

describe('verify key: an unsupported feature of a validly signed bundle', () => {
  it('an unknown serialization method or hash type exits 2 (SIGNATURE_UNSUPPORTED is incomplete), on one line', async () => {
    const model = join(tmp, 'model');
    await mkdir(model);
    await writeFile(join(model, 'weights.bin'), 'w');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPath = join(tmp, 'k.pub.pem');
    await writeFile(keyPath, key.publicKey.export({ type: 'spki', format: 'pem' }));
    for (const serialization of [
      { method: 'tree', hash_type: 'sha256', allow_symlinks: false },
      { method: 'files', hash_type: 'md5', allow_symlinks: false },
    ]) {
      const sigPath = join(tmp, `${serialization.method}-${serialization.hash_type}.sig`);
      await writeFile(sigPath, keyBundle(statement(serialization), key.privateKey, key.publicKey));
      const r = await verifyCli(['key', model, '--signature', sigPath, '--public-key', keyPath]);
      expect(r.stderr).toMatch(/^modelscan: could not verify: SIGNATURE_UNSUPPORTED: [^\n]+\n$/);
      expect(r.status).toBe(2);
    }
  });
});
