/**
 * OMS signature verification of a 4 x 512 MiB model (key method, files/sha256) against
 * `sha256sum` of the same four files run as four parallel processes, same run, page cache warm for
 * both. Goal: >= 0.9x of the parallel reference (verification is bounded by hashing).
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dssePae } from '../src/verify/oms/pae.js';
import { omsRootDigest, serializationToPredicate, type ManifestResource, type Serialization } from '../src/verify/oms/manifest.js';
import { verifyModelSignature } from '../src/verify/oms/index.js';
import { hasCommand, ratioLine } from './lib.js';

const MIB = 1024 * 1024;
const FILES = 4;
const FILE_BYTES = 512 * MIB;
const RUNS = 2;

/** A 4 MiB random block written over and over (fast to create; hashing cost is the same as random data). */
async function writeModel(dir: string): Promise<string[]> {
  const block = Buffer.alloc(4 * MIB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.random() * 0x100000000) >>> 0, i);
  const paths: string[] = [];
  for (let f = 0; f < FILES; f++) {
    const path = join(dir, `model-${String(f).padStart(5, '0')}-of-0000${FILES}.safetensors`);
    const handle = await open(path, 'w');
    block.writeUInt32LE(f, 0); // distinct files
    for (let written = 0; written < FILE_BYTES; written += block.length) await handle.write(block);
    await handle.close();
    paths.push(path);
  }
  return paths;
}

/** One hashing process per file, all at once: wall ms and the digests (the last 64-hex word of each output). */
async function parallelDigest(paths: string[], command: string, args: string[] = []): Promise<{ ms: number; digests: string[] }> {
  const start = process.hrtime.bigint();
  const digests = await Promise.all(
    paths.map(
      (path) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(command, [...args, path], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(/[0-9a-f]{64}/.exec(out)?.[0] ?? '') : reject(new Error(`${command} exited ${code}`))));
        }),
    ),
  );
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, digests };
}

const parallelSha256sum = (paths: string[]) => parallelDigest(paths, 'sha256sum');

/** A model_signing `key` bundle over the given manifest (P-256, SHA-256). */
async function writeSignature(dir: string, resources: ManifestResource[]): Promise<{ sigPath: string; keyPath: string }> {
  const s: Serialization = { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: [] };
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'bench-model', digest: { sha256: omsRootDigest(resources) } }],
    predicateType: 'https://model_signing/signature/v1.0',
    predicate: { serialization: serializationToPredicate(s), resources },
  };
  const payload = Buffer.from(JSON.stringify(statement, null, 2));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const sig = sign('sha256', dssePae('application/vnd.in-toto+json', payload), { key: privateKey, dsaEncoding: 'der' });
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: createHash('sha256').update(pem).digest('hex') }, tlogEntries: [] },
    dsseEnvelope: { payload: payload.toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: sig.toString('base64'), keyid: '' }] },
  };
  const sigPath = join(dir, '..', `${dir.split('/').pop()}.sig`);
  const keyPath = join(dir, '..', `${dir.split('/').pop()}.pub.pem`);
  await writeFile(sigPath, JSON.stringify(bundle));
  await writeFile(keyPath, pem);
  return { sigPath, keyPath };
}

export async function benchVerify(): Promise<string[]> {
  if (!hasCommand('sha256sum')) return ['verify: sha256sum not found (coreutils); cannot measure the ratio'];
  const base = await mkdtemp(join(tmpdir(), 'modelscan-bench-verify-'));
  const dir = join(base, 'model');
  try {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    const paths = await writeModel(dir);
    // The first reference run warms the page cache and gives the digests to sign.
    const first = await parallelSha256sum(paths);
    const resources = paths.map((p, i) => ({ name: p.slice(dir.length + 1), algorithm: 'sha256', digest: first.digests[i]! }));
    const { sigPath, keyPath } = await writeSignature(dir, resources);
    // coreutils sha256sum may lack SHA extensions; `openssl dgst` (same library as Node) is the stricter reference.
    const openssl = hasCommand('openssl', ['version']);
    let ours = Infinity;
    let reference = Infinity;
    let opensslReference = Infinity;
    for (let run = 0; run < RUNS; run++) {
      const start = process.hrtime.bigint();
      const r = await verifyModelSignature({ modelPath: dir, signaturePath: sigPath, trust: { publicKeyPaths: [keyPath] } });
      if (!r.valid) throw new Error(`verification failed: ${r.reason}`);
      ours = Math.min(ours, Number(process.hrtime.bigint() - start) / 1e6);
      reference = Math.min(reference, (await parallelSha256sum(paths)).ms);
      if (openssl) opensslReference = Math.min(opensslReference, (await parallelDigest(paths, 'openssl', ['dgst', '-sha256'])).ms);
    }
    const gib = (FILES * FILE_BYTES) / 1024 ** 3;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const lines = [
      ratioLine(`verify ${FILES}x512 MiB vs sha256sum x${FILES}`, reference / ours, 0.9, `verify ${s(ours)}, parallel sha256sum ${s(reference)} (${gib} GiB, ${availableParallelism()} cores)`),
    ];
    if (openssl) lines.push(ratioLine(`verify ${FILES}x512 MiB vs openssl x${FILES}`, opensslReference / ours, 0.9, `verify ${s(ours)}, parallel openssl dgst ${s(opensslReference)}`));
    return lines;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  for (const line of await benchVerify()) process.stdout.write(line + '\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await run();
