import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check.js';
import { parsePolicy } from '../../src/policy/load.js';
import { checkSignature, hasTrust, mergeTrust } from '../../src/policy/signature-check.js';
import type { SignaturePolicy } from '../../src/policy/types.js';

/** The upstream model_signing vectors (see ../shared/signing-vectors/README.md). */
const VECTORS = fileURLToPath(new URL('../../../shared/signing-vectors/', import.meta.url));
const KEY_PUB = join(VECTORS, 'keys/certificate/signing-key-pub.pem');
const CA = join(VECTORS, 'keys/certificate/ca-cert.pem');
const IBM = { identity: 'stefanb@us.ibm.com', issuer: 'https://sigstore.verify.ibm.com/oauth2' };

let work: string;
let otherKey: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'modelscan-sigcheck-'));
  otherKey = join(work, 'other.pub');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  await writeFile(otherKey, publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function signaturePolicy(over: Partial<SignaturePolicy> = {}): SignaturePolicy {
  return { ...parsePolicy('name: t\n', 'p.yaml').signature, ...over };
}

async function digests(dir: string, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of names) out.set(name, createHash('sha256').update(await readFile(join(dir, name))).digest('hex'));
  return out;
}

/** A writable copy of a vector (the shared folder is read-only). */
async function copyOf(vector: string): Promise<string> {
  const dir = await mkdtemp(join(work, `${vector}-`));
  await cp(join(VECTORS, vector), dir, { recursive: true });
  for (const name of ['model.sig', 'signme-1', 'signme-2', 'ignore-me']) await chmod(join(dir, name), 0o644).catch(() => undefined);
  return dir;
}

describe('checkSignature (the verify stage behind check)', () => {
  it('verifies the key vector, reusing every digest the scan computed', async () => {
    const dir = join(VECTORS, 'v1.1.0-elliptic-key');
    const out = await checkSignature({ policy: signaturePolicy({ publicKeys: [KEY_PUB] }), modelPath: dir, root: dir, knownSha256: await digests(dir, ['signme-1', 'signme-2', 'ignore-me']) });
    expect(out.findings).toEqual([]);
    expect(out.record).toMatchObject({ path: 'model.sig', status: 'verified', method: 'key', hashedFiles: 0, reusedDigests: 2, predicateType: 'https://model_signing/signature/v1.0' });
    expect(out.record?.rootDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes what the scan did not give it', async () => {
    const dir = join(VECTORS, 'v1.1.0-elliptic-key');
    const out = await checkSignature({ policy: signaturePolicy({ publicKeys: [KEY_PUB] }), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(out.record).toMatchObject({ status: 'verified', hashedFiles: 2, reusedDigests: 0 });
  });

  it('verifies the sigstore vector for the right signer and rejects another identity', async () => {
    const dir = join(VECTORS, 'v1.1.0-sigstore');
    const known = await digests(dir, ['signme-1', 'signme-2']);
    const good = await checkSignature({ policy: signaturePolicy({ signers: [IBM] }), modelPath: dir, root: dir, knownSha256: known });
    expect(good.record).toMatchObject({ status: 'verified', method: 'sigstore', signer: { identity: IBM.identity, issuer: IBM.issuer } });
    const bad = await checkSignature({ policy: signaturePolicy({ signers: [{ ...IBM, identity: 'mallory@us.ibm.com' }] }), modelPath: dir, root: dir, knownSha256: known });
    expect(bad.record).toMatchObject({ status: 'invalid', code: 'SIGNATURE_UNTRUSTED' });
    expect(bad.findings.map((f) => [f.code, f.file])).toEqual([['SIGNATURE_UNTRUSTED', 'model.sig']]);
    expect(bad.findings[0]!.message).toMatch(/^model\.sig: .*stefanb@us\.ibm\.com/);
    const wrongIssuer = await checkSignature({ policy: signaturePolicy({ signers: [{ ...IBM, issuer: 'https://accounts.google.com' }] }), modelPath: dir, root: dir, knownSha256: known });
    expect(wrongIssuer.record?.code).toBe('SIGNATURE_UNTRUSTED');
  });

  it('verifies the certificate vector against its CA', async () => {
    const dir = join(VECTORS, 'v1.1.0-certificate');
    const out = await checkSignature({ policy: signaturePolicy({ certificateChains: [CA] }), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(out.record).toMatchObject({ status: 'verified', method: 'certificate' });
  });

  it('rejects a model with one flipped byte, and a key that did not sign', async () => {
    const dir = await copyOf('v1.1.0-elliptic-key');
    const bytes = await readFile(join(dir, 'signme-2'));
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(join(dir, 'signme-2'), bytes);
    const flipped = await checkSignature({ policy: signaturePolicy({ publicKeys: [KEY_PUB] }), modelPath: dir, root: dir, knownSha256: await digests(dir, ['signme-1', 'signme-2']) });
    expect(flipped.record).toMatchObject({ status: 'invalid', code: 'SIGNATURE_FILE_CHANGED' });
    const wrongKey = await checkSignature({ policy: signaturePolicy({ publicKeys: [otherKey] }), modelPath: join(VECTORS, 'v1.1.0-elliptic-key'), root: join(VECTORS, 'v1.1.0-elliptic-key'), knownSha256: new Map() });
    expect(wrongKey.record?.status).toBe('invalid');
    expect(['SIGNATURE_UNTRUSTED', 'SIGNATURE_INVALID']).toContain(wrongKey.record?.code);
  });

  it('a missing signature: silent when not required, SIGNATURE_MISSING when required or named with --signature', async () => {
    const dir = join(fileURLToPath(new URL('../../fixtures/models/example', import.meta.url)));
    expect(await checkSignature({ policy: signaturePolicy({ publicKeys: [KEY_PUB] }), modelPath: dir, root: dir, knownSha256: new Map() })).toEqual({ findings: [] });
    const required = await checkSignature({ policy: signaturePolicy({ required: true, publicKeys: [KEY_PUB] }), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(required.record).toMatchObject({ path: 'model.sig', status: 'missing', code: 'SIGNATURE_MISSING' });
    expect(required.findings.map((f) => f.code)).toEqual(['SIGNATURE_MISSING']);
    const named = await checkSignature({ policy: signaturePolicy(), modelPath: dir, root: dir, signaturePath: join(work, 'nope.sig'), knownSha256: new Map() });
    expect(named.findings.map((f) => f.code)).toEqual(['SIGNATURE_MISSING']);
  });

  it('a signature nobody can verify is only noted; required, it cannot pass', async () => {
    const dir = join(VECTORS, 'v1.1.0-elliptic-key');
    const noted = await checkSignature({ policy: signaturePolicy(), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(noted.record?.status).toBe('unverified');
    expect(noted.findings.map((f) => [f.code, f.severity])).toEqual([['POLICY_SIGNATURE_UNVERIFIED', 'info']]);
    const required = await checkSignature({ policy: signaturePolicy({ required: true, certificateIdentities: ['x'] }), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(required.findings.map((f) => f.code)).toEqual(['POLICY_SIGNATURE_NO_TRUST']);
  });

  it('trust material that cannot be read is "unchecked" (an incomplete finding), not a crash', async () => {
    const dir = join(VECTORS, 'v1.1.0-elliptic-key');
    const out = await checkSignature({ policy: signaturePolicy({ publicKeys: [join(work, 'missing.pub')] }), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(out.record).toMatchObject({ status: 'unchecked', code: 'SIGNATURE_UNREADABLE' });
  });

  it('a garbage signature file is invalid', async () => {
    const dir = await copyOf('v1.1.0-elliptic-key');
    await writeFile(join(dir, 'model.sig'), '{"mediaType": 5');
    const out = await checkSignature({ policy: signaturePolicy({ publicKeys: [KEY_PUB] }), modelPath: dir, root: dir, knownSha256: new Map() });
    expect(out.record).toMatchObject({ status: 'invalid', code: 'SIGNATURE_MALFORMED' });
  });
});

describe('mergeTrust', () => {
  it('adds the CLI trust to the policy, resolving CLI paths against the current folder', () => {
    const merged = mergeTrust(signaturePolicy({ publicKeys: ['/abs/a.pub'], signers: [IBM] }), { publicKeys: ['b.pub'], signers: [{ identity: 'x', issuer: 'y' }], trustedRoot: 'root.json' });
    expect(merged.publicKeys).toEqual(['/abs/a.pub', join(process.cwd(), 'b.pub')]);
    expect(merged.signers).toEqual([IBM, { identity: 'x', issuer: 'y' }]);
    expect(merged.trustedRoot).toBe(join(process.cwd(), 'root.json'));
    expect(hasTrust(signaturePolicy())).toBe(false);
    expect(hasTrust(signaturePolicy({ trustedRoot: '/r.json', certificateIdentities: ['a'] }))).toBe(false);
  });
});

describe('check() with a signature policy (library, in process)', () => {
  const policyFor = (yaml: string) => ({ policy: parsePolicy(`name: signed\n${yaml}`, 'p.yaml', VECTORS), source: 'p.yaml', sha256: '0'.repeat(64) });

  it('approves the signed key vector and records the signature; one flipped byte denies', async () => {
    const policy = policyFor('signature:\n  required: true\n  public_keys: [keys/certificate/signing-key-pub.pem]\n');
    const ok = await check(join(VECTORS, 'v1.1.0-elliptic-key'), { policy });
    expect(ok.verdict).toBe('APPROVE');
    expect(ok.signature).toMatchObject({ status: 'verified', method: 'key', hashedFiles: 0 });
    // Every signed file's digest came from the scan: the report's sha256 are the ones verified.
    expect(ok.signature?.reusedDigests).toBe(2);

    const dir = await copyOf('v1.1.0-elliptic-key');
    const bytes = await readFile(join(dir, 'signme-1'));
    bytes[3] = bytes[3]! ^ 0x20;
    await writeFile(join(dir, 'signme-1'), bytes);
    const bad = await check(dir, { policy });
    expect(bad.verdict).toBe('DENY');
    expect(bad.signature).toMatchObject({ status: 'invalid', code: 'SIGNATURE_FILE_CHANGED' });
    expect(bad.reasons.some((r) => r.startsWith('SIGNATURE_FILE_CHANGED critical model.sig: '))).toBe(true);
  });

  it('a local folder keeps its own modelscan.lock out of the signed manifest, as out of the scan', async () => {
    const dir = await copyOf('v1.1.0-elliptic-key');
    const { lock } = await import('../../src/lock.js');
    await lock(dir);
    const policy = policyFor('lockfile:\n  required: true\nsignature:\n  required: true\n  public_keys: [keys/certificate/signing-key-pub.pem]\n');
    const report = await check(dir, { policy });
    expect(report.lockfile?.status).toBe('verified');
    expect(report.signature?.status).toBe('verified');
    expect(report.verdict).toBe('APPROVE');
  });

  it('--signature and CLI trust override the policy', async () => {
    const policy = policyFor('');
    const dir = join(VECTORS, 'v1.1.0-sigstore');
    const report = await check(dir, { policy, signaturePath: join(dir, 'model.sig'), trust: { signers: [IBM] } });
    expect(report.signature).toMatchObject({ status: 'verified', method: 'sigstore' });
    expect(report.verdict).toBe('APPROVE');
    const wrong = await check(dir, { policy, signaturePath: join(dir, 'model.sig'), trust: { signers: [{ ...IBM, identity: 'eve@us.ibm.com' }] } });
    expect(wrong.verdict).toBe('DENY');
  });

  it('signature.trusted_root replaces the shipped root: a root without the signing CA cannot vouch', async () => {
    const good = policyFor(`signature:\n  required: true\n  trusted_root: trust/trusted_root.public-good.json\n  signers:\n    - { identity: ${IBM.identity}, issuer: '${IBM.issuer}' }\n`);
    expect((await check(join(VECTORS, 'v1.1.0-sigstore'), { policy: good })).signature?.status).toBe('verified');
    const rootJson = JSON.parse(await readFile(join(VECTORS, 'trust/trusted_root.public-good.json'), 'utf8'));
    const empty = join(work, 'no-ca-root.json');
    await writeFile(empty, JSON.stringify({ ...rootJson, certificateAuthorities: [] }));
    const report = await check(join(VECTORS, 'v1.1.0-sigstore'), { policy: good, trust: { trustedRoot: empty } });
    expect(report.verdict).toBe('DENY');
    expect(report.signature?.status).not.toBe('verified');
  });

  it('a present signature that fails denies even when the policy does not require one', async () => {
    const policy = policyFor('signature:\n  public_keys: [keys/certificate/signing-key-pub.pem]\n');
    const report = await check(join(VECTORS, 'v1.1.0-sigstore'), { policy });
    expect(report.signature?.status).toBe('invalid');
    expect(report.verdict).toBe('DENY');
  });
});
