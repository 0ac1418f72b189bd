import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyModelSignature, type VerifyModelOptions } from '../../src/verify/oms/index.js';
import { keyBundle, statementForModel } from './support/oms-sign.js';

/**
 * A huggingface_hub cache stores a snapshot's files as relative symlinks into `../../blobs/<etag>`.
 * With the cache's blobs/ as a symlink root, such a snapshot verifies against a signature made over the
 * real files (allow_symlinks: false), as after `snapshot_download` into a local folder.
 */
const FILES: Record<string, Buffer> = {
  'config.json': Buffer.from('{"model_type": "bert"}\n'),
  'model.safetensors': Buffer.alloc(3000, 5),
  'tokenizer/vocab.json': Buffer.from('{"a": 0}\n'),
};

let tmp: string;
let n = 0;
let publicKeyPath: string;
let privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
let publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-hub-'));
  ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  publicKeyPath = join(tmp, 'key.pub.pem');
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function writeFiles(root: string, files: Record<string, Buffer>): Promise<void> {
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), bytes);
  }
}

/** `models--acme--m/{blobs/<etag>, snapshots/<commit>/<path> -> ../../blobs/<etag>}`; returns the folders. */
async function hubCache(files: Record<string, Buffer>): Promise<{ snapshot: string; blobs: string; repo: string }> {
  const repo = join(tmp, `cache-${n++}`, 'models--acme--m');
  const blobs = join(repo, 'blobs');
  const snapshot = join(repo, 'snapshots', 'a'.repeat(40));
  await mkdir(blobs, { recursive: true });
  let etag = 0;
  for (const [name, bytes] of Object.entries(files)) {
    const blob = join(blobs, `etag${etag++}`);
    await writeFile(blob, bytes);
    const link = join(snapshot, name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(relative(dirname(link), blob), link);
  }
  return { snapshot, blobs, repo };
}

/** A key signature over a plain local copy of `files` (no symlinks, allow_symlinks: false). */
async function signRealFiles(files: Record<string, Buffer>): Promise<string> {
  const local = join(tmp, `local-${n++}`);
  await writeFiles(local, files);
  const sigPath = join(tmp, `sig-${n++}.sig`);
  await writeFile(sigPath, keyBundle(await statementForModel(local), privateKey, publicKey));
  return sigPath;
}

function options(modelPath: string, signaturePath: string, extra: Partial<VerifyModelOptions> = {}): VerifyModelOptions {
  return { modelPath, signaturePath, trust: { publicKeyPaths: [publicKeyPath] }, concurrency: 2, ...extra };
}

describe('hub cache snapshots (symlinks into blobs/) with symlinkRoots', () => {
  it('verifies with the blobs folder as a symlink root, files named by their link path; rejected without', async () => {
    const sig = await signRealFiles(FILES);
    const { snapshot, blobs } = await hubCache(FILES);
    const ok = await verifyModelSignature(options(snapshot, sig, { symlinkRoots: [blobs] }));
    expect(ok.valid).toBe(true);
    if (!ok.valid) return;
    expect(ok.resources.map((r) => r.name)).toEqual(['config.json', 'model.safetensors', 'tokenizer/vocab.json']);
    expect(ok.hashedFiles).toBe(3);

    const plain = await verifyModelSignature(options(snapshot, sig));
    expect(plain).toMatchObject({ valid: false, code: 'SIGNATURE_MODEL_ENTRY_REJECTED' });
    if (!plain.valid) expect(plain.reason).toMatch(/is a symlink and the signature does not allow symlinks/);
  });

  it('takes digests the scan already computed for linked files (no second hash)', async () => {
    const sig = await signRealFiles(FILES);
    const { snapshot, blobs } = await hubCache(FILES);
    const { createHash } = await import('node:crypto');
    const known = new Map(Object.entries(FILES).map(([name, bytes]) => [name, createHash('sha256').update(bytes).digest('hex')]));
    const ok = await verifyModelSignature(options(snapshot, sig, { symlinkRoots: [blobs], knownSha256: known }));
    expect(ok).toMatchObject({ valid: true, hashedFiles: 0, reusedDigests: 3 });
  });

  it('a changed blob is SIGNATURE_FILE_CHANGED, a missing link SIGNATURE_FILE_MISSING', async () => {
    const sig = await signRealFiles(FILES);
    const changed = await hubCache({ ...FILES, 'model.safetensors': Buffer.alloc(3000, 6) });
    const r = await verifyModelSignature(options(changed.snapshot, sig, { symlinkRoots: [changed.blobs] }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_CHANGED' });
    if (!r.valid) expect(r.reason).toContain('model.safetensors');

    const { 'tokenizer/vocab.json': _gone, ...fewer } = FILES;
    const missing = await hubCache(fewer);
    expect(await verifyModelSignature(options(missing.snapshot, sig, { symlinkRoots: [missing.blobs] }))).toMatchObject({ valid: false, code: 'SIGNATURE_FILE_MISSING' });
  });

  it('a symlink out of the roots keeps the signature rule, even to identical bytes', async () => {
    const sig = await signRealFiles(FILES);
    const { snapshot, blobs, repo } = await hubCache(FILES);
    const outside = join(repo, 'elsewhere.json'); // beside blobs/, not in it
    await writeFile(outside, FILES['config.json']!);
    await rm(join(snapshot, 'config.json'));
    await symlink(relative(snapshot, outside), join(snapshot, 'config.json'));
    const r = await verifyModelSignature(options(snapshot, sig, { symlinkRoots: [blobs] }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_MODEL_ENTRY_REJECTED' });
    if (!r.valid) expect(r.reason).toContain('"config.json": is a symlink');
  });

  it('a link to a folder inside the roots, a broken link and a link chain out of the roots are rejected', async () => {
    const sig = await signRealFiles(FILES);
    for (const make of [
      async (c: { snapshot: string; blobs: string }) => {
        await mkdir(join(c.blobs, 'dir'));
        await symlink(join(c.blobs, 'dir'), join(c.snapshot, 'linked-dir'));
      },
      async (c: { snapshot: string; blobs: string }) => symlink(join(c.blobs, 'absent'), join(c.snapshot, 'broken')),
      async (c: { snapshot: string; blobs: string }) => {
        // blobs/hop -> ../../outside: the link points into blobs/, its real target is not there.
        const target = join(tmp, `outside-${n++}`);
        await writeFile(target, 'x');
        await symlink(target, join(c.blobs, 'hop'));
        await symlink(join(c.blobs, 'hop'), join(c.snapshot, 'hop'));
      },
    ]) {
      const cache = await hubCache(FILES);
      await make(cache);
      const r = await verifyModelSignature(options(cache.snapshot, sig, { symlinkRoots: [cache.blobs] }));
      expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_MODEL_ENTRY_REJECTED' });
    }
  });

  it('a model.sig that is itself a link into blobs/ is left out of the model', async () => {
    const local = join(tmp, `local-${n++}`);
    await writeFiles(local, FILES);
    const bundle = keyBundle(await statementForModel(local), privateKey, publicKey);
    const { snapshot, blobs } = await hubCache({ ...FILES, 'model.sig': Buffer.from(bundle) });
    const r = await verifyModelSignature(options(snapshot, join(snapshot, 'model.sig'), { symlinkRoots: [blobs] }));
    expect(r).toMatchObject({ valid: true });
  });

  it('a symlink root that does not exist admits nothing', async () => {
    const sig = await signRealFiles(FILES);
    const { snapshot } = await hubCache(FILES);
    const r = await verifyModelSignature(options(snapshot, sig, { symlinkRoots: [join(tmp, 'no-such-blobs')] }));
    expect(r).toMatchObject({ valid: false, code: 'SIGNATURE_MODEL_ENTRY_REJECTED' });
  });
});

describe('modelscan verify key on a hub cache snapshot folder', () => {
  it('takes the repository blobs/ as the symlink root: exit 0; a changed blob: exit 1', async () => {
    const { execFileSync, spawnSync } = await import('node:child_process');
    const program = join(import.meta.dirname, 'support', 'cli-program.ts');
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const sig = await signRealFiles(FILES);
    const { snapshot, blobs } = await hubCache(FILES);
    const args = [program, 'verify', 'key', snapshot, '--signature', sig, '--public-key', publicKeyPath];
    expect(execFileSync(tsx, args, { encoding: 'utf8' })).toMatch(/valid|verified/i);
    await writeFile(join(blobs, 'etag1'), Buffer.alloc(3000, 6));
    const changed = spawnSync(tsx, args, { encoding: 'utf8' });
    expect(changed.status).toBe(1);
    expect(changed.stderr).toContain('model.safetensors');
  }, 60_000);
});
