import { BlobHasher, type Digests, digestMatchesEtag, hashFilePrefix, SHA256_HEX } from './hash.js';
import { fsError, lstatOrUndefined } from './fs-safe.js';

export type CachedBlob = { state: 'missing' } | { state: 'corrupt'; why: string } | { state: 'ok'; digests: Digests; size: number };

/**
 * Re-hashes a blob already in the cache before it is trusted: it must be a regular file (not a link),
 * of the expected size when one is known, whose content hashes to its name (sha256 for LFS blobs,
 * git blob sha1 for regular ones).
 */
export async function verifyCachedBlob(path: string, etag: string, expectedSize?: number): Promise<CachedBlob> {
  const stat = await lstatOrUndefined(path);
  if (stat === undefined) return { state: 'missing' };
  if (!stat.isFile()) return { state: 'corrupt', why: 'not a regular file' };
  if (expectedSize !== undefined && stat.size !== expectedSize) return { state: 'corrupt', why: `size ${stat.size}, expected ${expectedSize}` };
  const hasher = new BlobHasher(!SHA256_HEX.test(etag), stat.size);
  let digests: Digests;
  try {
    const read = await hashFilePrefix(path, hasher);
    if (read !== stat.size) return { state: 'corrupt', why: 'changed while being verified' };
    digests = await hasher.digest();
  } catch (error) {
    throw fsError(error, `read ${path}`);
  } finally {
    hasher.dispose();
  }
  if (!digestMatchesEtag(etag, digests)) return { state: 'corrupt', why: 'content does not hash to its name' };
  return { state: 'ok', digests, size: stat.size };
}
