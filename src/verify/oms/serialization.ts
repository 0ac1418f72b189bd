import { SignatureRejection } from './errors.js';
import { unsafePathReason } from './paths.js';

export type HashType = 'sha256' | 'blake2b' | 'blake3';

/** How a model is turned into a manifest (`predicate.serialization` of an OMS signature). */
export type Serialization =
  | { method: 'files'; hashType: HashType; allowSymlinks: boolean; ignorePaths: string[] }
  | { method: 'shards'; hashType: 'sha256' | 'blake2b'; shardSize: number; allowSymlinks: boolean; ignorePaths: string[] };

export const DEFAULT_SHARD_SIZE = 1_000_000_000;
const HASH_TYPES: readonly HashType[] = ['sha256', 'blake2b', 'blake3'];

/** The `algorithm` string a resource of this serialization carries. */
export function resourceAlgorithm(s: Serialization): string {
  return s.method === 'files' ? s.hashType : `${s.hashType}-sharded-${s.shardSize}`;
}

function reject(why: string): never {
  throw new SignatureRejection('SIGNATURE_MALFORMED', `predicate.serialization: ${why}`);
}

function unsupported(why: string): never {
  throw new SignatureRejection('SIGNATURE_UNSUPPORTED', `predicate.serialization: ${why}`);
}

/**
 * Strict parse of `predicate.serialization`. Throws SignatureRejection (SIGNATURE_MALFORMED for a
 * wrong shape, SIGNATURE_UNSUPPORTED for a method or hash this tool does not know). Recorded ignore
 * paths that leave the model root are dropped, as model_signing does for `../` entries.
 */
export function serializationFromPredicate(json: unknown): Serialization {
  if (!json || typeof json !== 'object' || Array.isArray(json)) reject('not an object');
  const o = json as Record<string, unknown>;
  const method = o['method'];
  if (typeof method !== 'string') reject('"method" is not a string');
  if (method !== 'files' && method !== 'shards') unsupported(`unknown method ${JSON.stringify(method).slice(0, 60)}`);
  const hashType = o['hash_type'] ?? 'sha256';
  if (typeof hashType !== 'string') reject('"hash_type" is not a string');
  if (!(HASH_TYPES as readonly string[]).includes(hashType)) unsupported(`unknown hash_type ${JSON.stringify(hashType).slice(0, 60)}`);
  const allowSymlinks = o['allow_symlinks'];
  if (typeof allowSymlinks !== 'boolean') reject('"allow_symlinks" is not a boolean');
  const ignorePaths = parseIgnorePaths(o['ignore_paths']);
  if (method === 'files') {
    if (o['shard_size'] !== undefined) reject('"shard_size" given for method files');
    return { method, hashType: hashType as HashType, allowSymlinks, ignorePaths };
  }
  if (hashType === 'blake3') unsupported('blake3 is not defined for method shards');
  const shardSize = o['shard_size'] ?? DEFAULT_SHARD_SIZE;
  // Python writes the size as a JSON float (8.0): accept any number that is a positive integer.
  if (typeof shardSize !== 'number' || !Number.isSafeInteger(shardSize) || shardSize < 1) reject('"shard_size" is not a positive integer');
  return { method, hashType: hashType as 'sha256' | 'blake2b', shardSize, allowSymlinks, ignorePaths };
}

function parseIgnorePaths(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) reject('"ignore_paths" is not a list');
  const out: string[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string') reject('"ignore_paths" holds a non-string');
    const normalized = entry.replace(/\/+$/, '');
    if (unsafePathReason(normalized) === null && normalized !== '.') out.push(normalized);
  }
  return [...new Set(out)];
}

/** `predicate.serialization` as model_signing v1.1 writes it. */
export function serializationToPredicate(s: Serialization): Record<string, unknown> {
  const out: Record<string, unknown> = { method: s.method, hash_type: s.hashType, allow_symlinks: s.allowSymlinks };
  if (s.method === 'shards') out['shard_size'] = s.shardSize;
  if (s.ignorePaths.length > 0) out['ignore_paths'] = [...s.ignorePaths];
  return out;
}
