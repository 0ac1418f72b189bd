import { readFile, rm, writeFile, appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStatement, modelRootDigest, verifyAttestation, writeAttestationForReport, CHECK_PREDICATE_TYPE, signAttestation } from '../../src/attest/index.js';
import type { Report } from '../../src/core/report.js';
import { writeEcKey, type KeyFiles } from '../sign/pki.js';
import { approvedModel, copyModel } from './fixtures.js';

const require = createRequire(import.meta.url);
type Validator = ((data: unknown) => boolean) & { errors?: unknown };
const Ajv = (require('ajv') as { default: new (o: object) => { compile(schema: object): Validator } }).default;
const addFormats = (require('ajv-formats') as { default: (ajv: object) => void }).default;

let dir: string;
let model: string;
let report: Report;
let p256: KeyFiles;
let p384: KeyFiles;
let other: KeyFiles;
let attestation: string;

beforeAll(async () => {
  ({ dir, model, report } = await approvedModel());
  [p256, p384, other] = await Promise.all([writeEcKey(dir, 'p256', 'P-256'), writeEcKey(dir, 'p384', 'P-384'), writeEcKey(dir, 'other', 'P-256')]);
  attestation = join(dir, 'attestation.json');
  await writeAttestationForReport(report, { path: attestation, key: p256.privateKeyPath });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const keyTrust = (k: KeyFiles) => ({ publicKeyPaths: [k.publicKeyPath] });

describe('buildStatement', () => {
  it('lists the model (OMS root digest) then every file with its sha256, and a schema-valid predicate', async () => {
    const root = modelRootDigest(report.files);
    const st = buildStatement(report, { rootDigest: root });
    expect(st._type).toBe('https://in-toto.io/Statement/v1');
    expect(st.predicateType).toBe(CHECK_PREDICATE_TYPE);
    expect(st.subject[0]).toEqual({ name: 'example', digest: { sha256: root } });
    expect(st.subject.slice(1)).toEqual(
      [...report.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })),
    );
    expect(st.predicate).toMatchObject({
      verdict: 'APPROVE',
      tool: { name: 'modelscan', version: report.tool.version },
      policy: report.policy,
      source: { kind: 'local', path: model },
      model: { name: 'example', files: report.files.length, bytes: report.summary.bytes },
      excludedPaths: ['modelscan.lock'],
      startedAt: report.startedAt,
    });
    const schema = JSON.parse(await readFile(new URL('../../docs/attestation-predicate.schema.json', import.meta.url), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(st.predicate), JSON.stringify(validate.errors)).toBe(true);
    const withProbes = buildStatement({ ...report, probes: [{ file: 'm.onnx', passes: 12, conclusion: 'no evidence of a backdoor found', stages: [{ stage: 'graph', status: 'ran', outcome: 'none' }] }] } as Report, { rootDigest: root });
    expect(withProbes.predicate.probes?.models[0]).toEqual({ file: 'm.onnx', passes: 12, conclusion: 'no evidence of a backdoor found', stages: [{ stage: 'graph', status: 'ran', outcome: 'none' }] });
    expect(validate(withProbes.predicate), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the root digest is the model_signing files/sha256 digest of the same files', () => {
    // sha256(digest(a) || digest(b)) in model_signing path order.
    const files = [
      { path: 'b', sha256: 'bb'.repeat(32) },
      { path: 'a/b', sha256: 'aa'.repeat(32) },
    ];
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const expected = createHash('sha256').update(Buffer.from('aa'.repeat(32) + 'bb'.repeat(32), 'hex')).digest('hex');
    expect(modelRootDigest(files)).toBe(expected);
  });
});

describe('verifyAttestation with a local key', () => {
  it('verifies P-256 and P-384 attestations of the untouched model', async () => {
    const ok = await verifyAttestation({ modelPath: model, attestationPath: attestation, trust: keyTrust(p256) });
    expect(ok).toMatchObject({ ok: true, files: report.files.length, rootDigest: modelRootDigest(report.files) });
    const a384 = join(dir, 'a384.json');
    await writeAttestationForReport(report, { path: a384, key: p384.privateKeyPath });
    expect(await verifyAttestation({ modelPath: model, attestationPath: a384, trust: keyTrust(p384) })).toMatchObject({ ok: true });
    expect(await verifyAttestation({ modelPath: model, attestationPath: a384, trust: keyTrust(p384), expectedPolicySha256: report.policy.sha256 })).toMatchObject({ ok: true });
  });

  it('fails ATTEST_FILE_CHANGED after one flipped byte', async () => {
    const copy = await copyModel(model, dir, 'flipped');
    const file = join(copy, 'model.safetensors');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    await writeFile(file, bytes);
    const r = await verifyAttestation({ modelPath: copy, attestationPath: attestation, trust: keyTrust(p256) });
    expect(r).toMatchObject({ ok: false, code: 'ATTEST_FILE_CHANGED', incomplete: false });
    if (!r.ok) expect(r.reason).toContain('model.safetensors');
  });

  it('fails ATTEST_FILE_EXTRA for an added file, even in a subfolder', async () => {
    const copy = await copyModel(model, dir, 'extra');
    await mkdir(join(copy, 'sub'));
    await writeFile(join(copy, 'sub', 'payload.pkl'), 'x');
    const r = await verifyAttestation({ modelPath: copy, attestationPath: attestation, trust: keyTrust(p256) });
    expect(r).toMatchObject({ ok: false, code: 'ATTEST_FILE_EXTRA' });
    if (!r.ok) expect(r.reason).toContain('sub/payload.pkl');
  });

  it('fails ATTEST_FILE_MISSING for a removed file', async () => {
    const copy = await copyModel(model, dir, 'removed');
    await rm(join(copy, 'config.json'));
    expect(await verifyAttestation({ modelPath: copy, attestationPath: attestation, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_FILE_MISSING' });
  });

  it('skips the attestation itself and the lockfile when they sit in the model folder', async () => {
    const copy = await copyModel(model, dir, 'inside');
    const inside = join(copy, 'attestation.json');
    await writeFile(inside, await readFile(attestation));
    await writeFile(join(copy, 'modelscan.lock'), '{}');
    expect(await verifyAttestation({ modelPath: copy, attestationPath: inside, trust: keyTrust(p256) })).toMatchObject({ ok: true });
  });

  it('fails ATTEST_SIGNER_UNTRUSTED for another key', async () => {
    expect(await verifyAttestation({ modelPath: model, attestationPath: attestation, trust: keyTrust(other) })).toMatchObject({ ok: false, code: 'ATTEST_SIGNER_UNTRUSTED' });
    // Without the hint, the signature itself must fail against the other key.
    const bundle = JSON.parse(await readFile(attestation, 'utf8'));
    delete bundle.verificationMaterial.publicKey.hint;
    const noHint = join(dir, 'no-hint.json');
    await writeFile(noHint, JSON.stringify(bundle));
    expect(await verifyAttestation({ modelPath: model, attestationPath: noHint, trust: keyTrust(p256) })).toMatchObject({ ok: true });
    const r = await verifyAttestation({ modelPath: model, attestationPath: noHint, trust: keyTrust(other) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['ATTEST_SIGNER_UNTRUSTED', 'ATTEST_SIGNATURE_INVALID']).toContain(r.code);
  });

  it('fails ATTEST_VERDICT_NOT_APPROVE for a DENY verdict, with the reason', async () => {
    const denied: Report = { ...report, verdict: 'DENY', reasons: ['model.pkl: PICKLE_GLOBAL_DENIED os.system'] };
    const path = join(dir, 'deny.json');
    await writeAttestationForReport(denied, { path, key: p256.privateKeyPath });
    const r = await verifyAttestation({ modelPath: model, attestationPath: path, trust: keyTrust(p256) });
    expect(r).toMatchObject({ ok: false, code: 'ATTEST_VERDICT_NOT_APPROVE' });
    if (!r.ok) expect(r.reason).toContain('PICKLE_GLOBAL_DENIED');
  });

  it('fails ATTEST_POLICY_MISMATCH when the policy digest is not the expected one', async () => {
    const r = await verifyAttestation({ modelPath: model, attestationPath: attestation, trust: keyTrust(p256), expectedPolicySha256: 'ab'.repeat(32) });
    expect(r).toMatchObject({ ok: false, code: 'ATTEST_POLICY_MISMATCH' });
  });

  it('fails on a truncated bundle and on a re-encoded payload', async () => {
    const text = await readFile(attestation, 'utf8');
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, text.slice(0, Math.floor(text.length / 2)));
    expect(await verifyAttestation({ modelPath: model, attestationPath: truncated, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_BUNDLE_MALFORMED' });

    const bundle = JSON.parse(text);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement, null, 2)).toString('base64');
    const reencoded = join(dir, 'reencoded.json');
    await writeFile(reencoded, JSON.stringify(bundle));
    expect(await verifyAttestation({ modelPath: model, attestationPath: reencoded, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_SIGNATURE_INVALID' });
  });

  it('fails ATTEST_STATEMENT_INVALID for a validly signed statement of another type, and ATTEST_MODEL_DIGEST_MISMATCH for an inconsistent one', async () => {
    const st = buildStatement(report, { rootDigest: modelRootDigest(report.files) });
    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, JSON.stringify(await signAttestation({ ...st, predicateType: 'https://slsa.dev/provenance/v1' }, { method: 'key', privateKeyPath: p256.privateKeyPath })));
    expect(await verifyAttestation({ modelPath: model, attestationPath: foreign, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_STATEMENT_INVALID' });

    const wrongRoot = 'cd'.repeat(32);
    const bad = buildStatement(report, { rootDigest: wrongRoot });
    const inconsistent = join(dir, 'inconsistent.json');
    await writeFile(inconsistent, JSON.stringify(await signAttestation(bad, { method: 'key', privateKeyPath: p256.privateKeyPath })));
    expect(await verifyAttestation({ modelPath: model, attestationPath: inconsistent, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_MODEL_DIGEST_MISMATCH' });

    const traversal = { ...st, subject: [...st.subject, { name: '../outside', digest: { sha256: 'ef'.repeat(32) } }] };
    const escape = join(dir, 'escape.json');
    await writeFile(escape, JSON.stringify(await signAttestation(traversal, { method: 'key', privateKeyPath: p256.privateKeyPath })));
    expect(await verifyAttestation({ modelPath: model, attestationPath: escape, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_STATEMENT_INVALID' });
  });

  it('attests and verifies a single-file model by its file name', async () => {
    const { check } = await import('../../src/check.js');
    const file = join(model, 'model.safetensors');
    const single = await check(file);
    expect(single.verdict).toBe('APPROVE');
    const path = join(dir, 'single.json');
    const { statement } = await writeAttestationForReport(single, { path, key: p256.privateKeyPath });
    expect(statement.subject.map((s) => s.name)).toEqual(['model.safetensors', 'model.safetensors']);
    expect(await verifyAttestation({ modelPath: file, attestationPath: path, trust: keyTrust(p256) })).toMatchObject({ ok: true, files: 1 });
    expect(await verifyAttestation({ modelPath: join(model, 'config.json'), attestationPath: path, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_FILE_MISSING' });
  });

  it('reports a missing attestation or model as incomplete', async () => {
    expect(await verifyAttestation({ modelPath: model, attestationPath: join(dir, 'nope.json'), trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_UNREADABLE', incomplete: true });
    expect(await verifyAttestation({ modelPath: join(dir, 'no-model'), attestationPath: attestation, trust: keyTrust(p256) })).toMatchObject({ ok: false, code: 'ATTEST_MODEL_UNREADABLE', incomplete: true });
  });

  it('writeAttestationForReport refuses to sign without a key or token, or with both', async () => {
    await expect(writeAttestationForReport(report, { path: join(dir, 'x.json') })).rejects.toMatchObject({ code: 'SIGN_KEY_INVALID' });
    await expect(writeAttestationForReport(report, { path: join(dir, 'x.json'), key: p256.privateKeyPath, identityToken: 'a.b.c' })).rejects.toMatchObject({ code: 'SIGN_KEY_INVALID' });
  });
});
