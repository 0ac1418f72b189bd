import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { SignatureError, SignatureRejection, errnoCode } from './errors.js';
import { runHashTasks as runOnWorkers, type HashOutcome, type HashTask } from './hash-pool.js';
import { compareOmsPaths, compareShards, parseShardName, quoteName, shardName } from './paths.js';
import { resourceAlgorithm, type Serialization } from './serialization.js';
import { listModelFiles, type ModelFile } from './walk.js';

export { compareOmsPaths } from './paths.js';
export { serializationFromPredicate, serializationToPredicate, resourceAlgorithm, DEFAULT_SHARD_SIZE } from './serialization.js';
export type { HashType, Serialization } from './serialization.js';

/** One entry of `predicate.resources`: a file (files) or a byte range `<path>:<start>:<end>` (shards). */
export interface ManifestResource {
  name: string;
  algorithm: string;
  /** Lowercase hex. */
  digest: string;
}

export interface HashModelOptions {
  /** Model-root-relative paths to skip, on top of the serialization's own ignore_paths. */
  ignore: string[];
  /**
   * sha256 digests already computed for this model's files (by the scan), keyed by the
   * model-relative POSIX path; for a single-file model "." or the file's name. Used instead of
   * re-reading the file when the serialization is files/sha256.
   */
  knownSha256?: ReadonlyMap<string, string>;
  /** Worker threads (default: the core count). */
  concurrency?: number;
  /** Hash only these resource paths (ignore_unsigned_files). */
  only?: ReadonlySet<string>;
  /** Folders a symlink's regular-file target may lie in to count as a regular file (see WalkOptions). */
  symlinkRoots?: readonly string[];
}

export interface HashModelResult {
  resources: ManifestResource[];
  /** Files read and hashed in this call. */
  hashedFiles: number;
  /** Files whose digest came from `knownSha256`. */
  reusedDigests: number;
}

/** More shards than this (a hostile or absurd shard_size) is refused rather than queued. */
const MAX_SHARDS = 1_000_000;
/** A shard task hashes about this many bytes, in at most TASK_RANGES ranges. */
const TASK_BYTES = 64 * 1024 * 1024;
const TASK_RANGES = 4096;

/** sha256 over the concatenated digest bytes in the given order: the statement's subject digest. */
export function omsRootDigest(resources: readonly ManifestResource[]): string {
  const hash = createHash('sha256');
  for (const r of resources) hash.update(Buffer.from(r.digest, 'hex'));
  return hash.digest('hex');
}

/** The model's manifest under a serialization, sorted as model_signing sorts it. */
export async function hashModel(modelPath: string, s: Serialization, o: HashModelOptions): Promise<ManifestResource[]> {
  return (await hashModelWithStats(modelPath, s, o)).resources;
}

export async function hashModelWithStats(modelPath: string, s: Serialization, o: HashModelOptions): Promise<HashModelResult> {
  const only = o.only;
  const files = await listModelFiles(modelPath, {
    allowSymlinks: s.allowSymlinks,
    ignore: [...s.ignorePaths, ...o.ignore],
    ...(only ? { only } : {}),
    ...(o.symlinkRoots ? { symlinkRoots: o.symlinkRoots } : {}),
  });
  const concurrency = Math.max(1, o.concurrency ?? availableParallelism());
  const algorithm = resourceAlgorithm(s);
  if (s.method === 'files') {
    const resources: ManifestResource[] = [];
    const toHash: ModelFile[] = [];
    let reused = 0;
    for (const f of files) {
      const known = s.hashType === 'sha256' ? knownDigest(o.knownSha256, f, modelPath) : undefined;
      if (known) {
        resources.push({ name: f.name, algorithm, digest: known });
        reused++;
      } else toHash.push(f);
    }
    if (s.hashType === 'blake3') {
      for (const f of toHash) resources.push({ name: f.name, algorithm, digest: await blake3File(f) });
    } else {
      const node = nodeAlgorithm(s.hashType);
      const tasks: HashTask[] = toHash.map((f) => ({ path: f.abs, algorithm: node, ranges: null, weight: f.size }));
      const outcomes = await runHashTasks(tasks, concurrency);
      outcomes.forEach((outcome, i) => resources.push({ name: toHash[i]!.name, algorithm, digest: digestOrThrow(outcome, toHash[i]!)[0]! }));
    }
    resources.sort((a, b) => compareOmsPaths(a.name, b.name));
    return { resources, hashedFiles: toHash.length, reusedDigests: reused };
  }

  // Shards: consecutive ranges grouped into tasks of about TASK_BYTES, so one big file is still
  // hashed on every core and a tiny shard_size does not flood the workers with messages.
  const shardCount = files.reduce((n, f) => n + Math.ceil(f.size / s.shardSize), 0);
  if (shardCount > MAX_SHARDS) {
    throw new SignatureRejection('SIGNATURE_UNSUPPORTED', `shard_size ${s.shardSize} splits this model into ${shardCount} shards, more than the ${MAX_SHARDS} supported`);
  }
  const node = nodeAlgorithm(s.hashType);
  const tasks: HashTask[] = [];
  const owners: ModelFile[] = [];
  for (const f of files) {
    let ranges: Array<[number, number]> = [];
    let bytes = 0;
    const flush = () => {
      if (ranges.length === 0) return;
      tasks.push({ path: f.abs, algorithm: node, ranges, weight: bytes, size: f.size });
      owners.push(f);
      ranges = [];
      bytes = 0;
    };
    for (let start = 0; start < f.size; start += s.shardSize) {
      const end = Math.min(f.size, start + s.shardSize);
      ranges.push([start, end]);
      bytes += end - start;
      if (bytes >= TASK_BYTES || ranges.length >= TASK_RANGES) flush();
    }
    flush();
  }
  const outcomes = await runHashTasks(tasks, concurrency);
  const shards = outcomes.flatMap((outcome, i) => {
    const file = owners[i]!;
    const digests = digestOrThrow(outcome, file);
    return tasks[i]!.ranges!.map(([start, end], j) => ({ path: file.name, start, end, digest: digests[j]! }));
  });
  shards.sort(compareShards);
  return {
    resources: shards.map((r) => ({ name: shardName(r), algorithm, digest: r.digest })),
    hashedFiles: files.filter((f) => f.size > 0).length,
    reusedDigests: 0,
  };
}

/** Sort resources as model_signing does (files by path, shards by path then start/end). */
export function sortResources(resources: ManifestResource[], method: Serialization['method']): ManifestResource[] {
  if (method === 'files') return resources.sort((a, b) => compareOmsPaths(a.name, b.name));
  return resources.sort((a, b) => {
    const x = parseShardName(a.name);
    const y = parseShardName(b.name);
    return x && y ? compareShards(x, y) : compareOmsPaths(a.name, b.name);
  });
}

/** A worker that dies leaves the check incomplete (never a crash, never a pass). */
async function runHashTasks(tasks: readonly HashTask[], concurrency: number): Promise<HashOutcome[]> {
  try {
    return await runOnWorkers(tasks, concurrency);
  } catch (error) {
    throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `hashing stopped: ${(error as Error).message}`);
  }
}

function knownDigest(map: ReadonlyMap<string, string> | undefined, f: ModelFile, modelPath: string): string | undefined {
  if (!map) return undefined;
  const digest = map.get(f.name) ?? (f.name === '.' ? map.get(basename(modelPath)) : undefined);
  return digest && /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

function nodeAlgorithm(hashType: 'sha256' | 'blake2b' | 'blake3'): 'sha256' | 'blake2b512' {
  if (hashType === 'blake3') throw new Error('blake3 is hashed on the main thread');
  return hashType === 'sha256' ? 'sha256' : 'blake2b512';
}

function digestOrThrow(outcome: { digests: string[] } | { error: string } | undefined, f: ModelFile): string[] {
  if (!outcome) throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `${quoteName(f.name)}: not hashed`);
  if ('error' in outcome) {
    const why = outcome.error === 'ESHRUNK' ? 'file shrank while it was hashed' : outcome.error === 'ECHANGED' ? 'file changed size since it was listed' : outcome.error === 'ENOTREG' ? 'no longer a regular file' : `cannot read (${outcome.error})`;
    throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `${quoteName(f.name)}: ${why}`);
  }
  return outcome.digests;
}

/** BLAKE3 (not in node:crypto) read on this thread; rare, so not worth a worker. */
async function blake3File(f: ModelFile): Promise<string> {
  const hash = blake3.create();
  let handle;
  try {
    handle = await open(f.abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    if (!(await handle.stat()).isFile()) throw Object.assign(new Error('ENOTREG'), { code: 'ENOTREG' });
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } catch (error) {
    throw new SignatureError('SIGNATURE_MODEL_UNREADABLE', `${quoteName(f.name)}: cannot read (${errnoCode(error)})`);
  } finally {
    await handle?.close();
  }
  return Buffer.from(hash.digest()).toString('hex');
}
