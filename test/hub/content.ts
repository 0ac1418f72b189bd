import { createHash } from 'node:crypto';
import type { HubContent, HubLazyContent } from './types.js';

const HASH_CHUNK = 8 * 1024 * 1024;

export interface ContentDigests {
  size: number;
  sha256: string;
  /** Git blob sha1 of the content itself (the etag of a regular, non-LFS file). */
  gitSha1: string;
}

export function contentSize(content: HubContent): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

export async function readContent(content: HubContent, offset: number, length: number): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content.subarray(offset, offset + length);
  const chunk = await content.read(offset, length);
  if (chunk.length !== length) throw new Error(`lazy content returned ${chunk.length} bytes at ${offset}, expected ${length}`);
  return chunk;
}

const digestCache = new WeakMap<object, Promise<ContentDigests>>();

/** Hashes a content once (both digests in one pass) and remembers the result. */
export function contentDigests(content: HubContent): Promise<ContentDigests> {
  let cached = digestCache.get(content);
  if (!cached) {
    cached = computeDigests(content);
    digestCache.set(content, cached);
  }
  return cached;
}

async function computeDigests(content: HubContent): Promise<ContentDigests> {
  const size = contentSize(content);
  const lazy = Buffer.isBuffer(content) ? undefined : (content as HubLazyContent);
  if (lazy?.sha256 && lazy.gitSha1) return { size, sha256: lazy.sha256, gitSha1: lazy.gitSha1 };
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${size}\0`);
  for (let offset = 0; offset < size; offset += HASH_CHUNK) {
    const chunk = await readContent(content, offset, Math.min(HASH_CHUNK, size - offset));
    sha256.update(chunk);
    sha1.update(chunk);
  }
  return { size, sha256: lazy?.sha256 ?? sha256.digest('hex'), gitSha1: lazy?.gitSha1 ?? sha1.digest('hex') };
}
