import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signModel } from '../../src/sign/index.js';
import { writeEcKey, type KeyFiles } from '../sign/pki.js';
import { checkRepo, expectInvariants, newSandbox, type Outcome } from '../hub/e2e-harness.js';
import { fixture } from '../hub/fixtures.js';
import { commitSha } from '../hub/hashes.js';
import { CLI } from '../hub/run-cli.js';
import { startHub, type Hub } from '../hub/index.js';
import type { HubFile, HubRepo } from '../hub/types.js';

/**
 * A repository signed by its publisher (model.sig in the repo, OMS key method, allow_symlinks: false)
 * checked from the loopback hub with the built CLI under a policy that requires the signature. The
 * hub cache stores the snapshot's files as symlinks into blobs/; those are the model's files.
 */
let hub: Hub;
let work: string;
let key: KeyFiles;

type Report = { verdict: string; reasons: string[]; findings: Array<{ code: string; denies: boolean }>; signature?: Record<string, unknown>; source: { commit: string } };

const MODEL: Array<Omit<HubFile, 'content'> & { content: Buffer }> = [
  { path: 'README.md', content: fixture('example/README.md') },
  { path: 'config.json', content: fixture('example/config.json') },
  { path: 'model.safetensors', content: fixture('example/model.safetensors'), lfs: true },
  { path: 'tokenizer/vocab.json', content: Buffer.from('{"<pad>": 0, "hello": 1}\n') },
];

/** Signs a plain local copy of `files` the way a publisher would: model.sig inside the folder. */
async function signedModelSig(files: typeof MODEL): Promise<Buffer> {
  const local = await mkdtemp(join(work, 'publisher-'));
  for (const f of files) {
    await mkdir(dirname(join(local, f.path)), { recursive: true });
    await writeFile(join(local, f.path), f.content);
  }
  const signaturePath = join(local, 'model.sig');
  await signModel({ modelPath: local, signer: { method: 'key', privateKeyPath: key.privateKeyPath }, signaturePath });
  return readFile(signaturePath);
}

function repo(id: string, files: HubFile[]): HubRepo {
  const sha = commitSha(`${id}@1`);
  return { id, commits: { [sha]: files }, refs: { main: sha } };
}

async function policy(yaml: string): Promise<string> {
  const file = join(await mkdtemp(join(work, 'policy-')), 'policy.yaml');
  await writeFile(file, `name: hub-signature\n${yaml}`);
  return file;
}

async function run(id: string, args: string[]): Promise<Outcome & { r: Report }> {
  const box = await newSandbox(work);
  const outcome = await checkRepo(hub, box, id, { args });
  await expectInvariants(hub, box, outcome);
  expect(outcome.report, outcome.stderr).toBeDefined();
  return { ...outcome, r: outcome.report as unknown as Report };
}

const denying = (r: Report) => r.findings.filter((f) => f.denies).map((f) => f.code);

describe('signed hub repository (model.sig in the repo, files cached as symlinks)', () => {
  let required: string;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run "npm run build" (npm test does)`);
    work = await mkdtemp(join(tmpdir(), 'modelscan-hub-sig-'));
    key = await writeEcKey(work, 'publisher', 'P-256');
    const sig = await signedModelSig(MODEL);
    hub = await startHub();
    hub.addRepo(repo('acme/signed', [...MODEL, { path: 'model.sig', content: sig }]));
    // The same model.sig over a repository where one file's bytes have changed since signing.
    const tampered = MODEL.map((f) => (f.path === 'tokenizer/vocab.json' ? { ...f, content: Buffer.from('{"<pad>": 0, "hello": 2}\n') } : f));
    hub.addRepo(repo('acme/signed-tampered', [...tampered, { path: 'model.sig', content: sig }]));
    // The model without its model.sig.
    hub.addRepo(repo('acme/unsigned', [...MODEL]));
    required = await policy(`signature:\n  required: true\n  public_keys: ['${key.publicKeyPath}']\n`);
  });
  afterAll(async () => {
    await hub?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('APPROVE: the publisher key verifies the cached snapshot, digests shared with the scan', async () => {
    const ok = await run('acme/signed', ['--policy', required]);
    expect(ok.status, `${ok.stderr}\n${ok.r.reasons.join('\n')}`).toBe(0);
    expect(ok.r.verdict).toBe('APPROVE');
    expect(ok.r.signature).toMatchObject({ path: 'model.sig', status: 'verified', method: 'key', hashedFiles: 0, reusedDigests: MODEL.length });
  });

  it('DENY: one file changed on the hub since signing is SIGNATURE_FILE_CHANGED, naming the file', async () => {
    const bad = await run('acme/signed-tampered', ['--policy', required]);
    expect(bad.status).toBe(1);
    expect(bad.r.verdict).toBe('DENY');
    expect(denying(bad.r)).toEqual(['SIGNATURE_FILE_CHANGED']);
    expect(bad.r.reasons.join('\n')).toContain('tokenizer/vocab.json');
  });

  it('DENY: another key is SIGNATURE_UNTRUSTED; no model.sig in the repo is SIGNATURE_MISSING', async () => {
    const other = await writeEcKey(work, 'other', 'P-256');
    const wrongKey = await policy(`signature:\n  required: true\n  public_keys: ['${other.publicKeyPath}']\n`);
    const untrusted = await run('acme/signed', ['--policy', wrongKey]);
    expect(untrusted.status).toBe(1);
    expect(denying(untrusted.r)).toEqual(['SIGNATURE_UNTRUSTED']);

    const missing = await run('acme/unsigned', ['--policy', required]);
    expect(missing.status).toBe(1);
    expect(denying(missing.r)).toEqual(['SIGNATURE_MISSING']);
  });
});
