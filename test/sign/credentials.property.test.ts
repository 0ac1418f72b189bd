import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCertificates } from '../../src/sign/certificates.js';
import { SignError } from '../../src/sign/errors.js';
import { loadEcSigningKey } from '../../src/sign/keys.js';
import { writeCertificateChain } from './pki.js';

let dir: string;
let leafPem: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-cred-'));
  const pki = await writeCertificateChain(dir, 'p', 'P-256');
  leafPem = (await import('node:fs')).readFileSync(pki.leafPath, 'latin1');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function outcome(load: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await load();
  } catch (error) {
    expect(error).toBeInstanceOf(SignError);
    expect((error as SignError).code).toBe(code);
  }
}

describe('credential files (property)', () => {
  it('random or mutated certificate PEM: certificates or SIGN_CERTIFICATE_INVALID, never a crash', async () => {
    const file = join(dir, 'cert.pem');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
          fc.tuple(fc.nat({ max: leafPem.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
            const b = Buffer.from(leafPem, 'latin1');
            b[at] = v;
            return b;
          }),
        ),
        async (bytes) => {
          await writeFile(file, bytes);
          await outcome(() => loadCertificates(file), 'SIGN_CERTIFICATE_INVALID');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('random or mutated private key files: a key or SIGN_KEY_INVALID, never a crash', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = Buffer.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const file = join(dir, 'key.pem');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 1000 }).map((b) => Buffer.from(b)),
          fc.tuple(fc.nat({ max: pem.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
            const b = Buffer.from(pem);
            b[at] = v;
            return b;
          }),
        ),
        async (bytes) => {
          await writeFile(file, bytes);
          await outcome(() => loadEcSigningKey(file), 'SIGN_KEY_INVALID');
        },
      ),
      { numRuns: 100 },
    );
  });
});
