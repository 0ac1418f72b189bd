/** `modelscan verify` exit codes for outcomes the table marks incomplete: "could not complete" is 2, not 1. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCli } from './support/verify-in-process.js';
import { keyBundle } from './support/oms-sign.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-exit-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));


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
