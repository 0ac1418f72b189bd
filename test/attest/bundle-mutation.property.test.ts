import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestation, writeAttestationForReport } from '../../src/attest/index.js';
import { writeEcKey, type KeyFiles } from '../sign/pki.js';
import { approvedModel } from './fixtures.js';

let dir: string;
let model: string;
let key: KeyFiles;
let original: string;
let statement: unknown;
let target: string;

beforeAll(async () => {
  let report;
  ({ dir, model, report } = await approvedModel());
  key = await writeEcKey(dir, 'k', 'P-256');
  const path = join(dir, 'valid.json');
  await writeAttestationForReport(report, { path, key: key.privateKeyPath });
  original = await readFile(path, 'utf8');
  statement = JSON.parse(Buffer.from(JSON.parse(original).dsseEnvelope.payload, 'base64').toString('utf8'));
  target = join(dir, 'mutated.json');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function verifyText(text: string | Buffer) {
  await writeFile(target, text);
  return verifyAttestation({ modelPath: model, attestationPath: target, trust: { publicKeyPaths: [key.publicKeyPath] } });
}

function flipBit(b64: string, index: number, bit: number): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index % bytes.length] = bytes[index % bytes.length]! ^ (1 << bit);
  return bytes.toString('base64');
}

describe('attestation bundle mutations (property)', () => {
  it('the untouched bundle verifies', async () => {
    expect(await verifyText(original)).toMatchObject({ ok: true });
  });

  it('a flipped bit in the payload or the signature never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 7 }), async (inPayload, index, bit) => {
        const b = JSON.parse(original);
        const env = b.dsseEnvelope;
        if (inPayload) env.payload = flipBit(env.payload, index, bit);
        else env.signatures[0].sig = flipBit(env.signatures[0].sig, index, bit);
        const r = await verifyText(JSON.stringify(b));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('a changed media type, payload type or (non-empty) key hint never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('mediaType', 'payloadType', 'hint'), fc.string({ maxLength: 40 }), async (field, value) => {
        const b = JSON.parse(original);
        if (field === 'mediaType') fc.pre(value !== b.mediaType), (b.mediaType = value);
        if (field === 'payloadType') fc.pre(value !== b.dsseEnvelope.payloadType), (b.dsseEnvelope.payloadType = value);
        if (field === 'hint') fc.pre(value !== b.verificationMaterial.publicKey.hint && value !== '') /* an empty hint means none (model_signing v1.0.x) */, (b.verificationMaterial.publicKey.hint = value);
        const r = await verifyText(JSON.stringify(b));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('a truncated bundle never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: original.length - 1 }), async (length) => {
        const r = await verifyText(original.slice(0, length));
        expect(r).toMatchObject({ ok: false });
      }),
      { numRuns: 40 },
    );
  });

  it('random byte edits never crash and never make a different statement verify', async () => {
    const bytes = Buffer.from(original, 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), async (edits) => {
        const mutated = Buffer.from(bytes);
        for (const [at, value] of edits) mutated[at] = value;
        const r = await verifyText(mutated);
        if (r.ok) expect(JSON.parse(JSON.stringify(r.statement))).toEqual(statement);
        else expect(typeof r.reason).toBe('string');
      }),
      { numRuns: 80 },
    );
  });
});
