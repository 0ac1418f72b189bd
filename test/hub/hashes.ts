import { createHash } from 'node:crypto';

/** Deterministic 40-hex commit sha for fixtures. */
export function commitSha(seed: string): string {
  return createHash('sha1').update(`commit ${seed}`).digest('hex');
}

/** Git's object id of a blob: sha1("blob <size>\0" + content). */
export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The Git LFS pointer file that git stores in place of an LFS file. */
export function lfsPointer(sha256: string, size: number): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

/** A digest of the same length that is certainly different (the last hex digit changed). */
export function otherDigest(hex: string): string {
  const last = hex.at(-1) === '0' ? '1' : '0';
  return hex.slice(0, -1) + last;
}
