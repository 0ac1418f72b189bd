import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const SHA1_HEX = /^[0-9a-f]{40}$/;

export interface Digests {
  sha256: string;
  /** Git blob sha1 (`sha1("blob <size>\0" + bytes)`), computed for regular (non-LFS) files only. */
  gitSha1: string | undefined;
}

/**
 * Hashes a blob in one pass while it streams. Regular files get the git blob sha1 the hub uses as
 * their ETag (it needs the final size up front, which the tree listing gives) and a sha256 for the report.
 */
export class BlobHasher {
  private sha256!: Hash;
  private sha1: Hash | undefined;
  private seen = 0;
  constructor(
    private readonly gitBlob: boolean,
    private readonly size: number,
  ) {
    this.reset();
  }

  reset(): void {
    this.sha256 = createHash('sha256');
    this.sha1 = this.gitBlob ? createHash('sha1').update(`blob ${this.size}\0`) : undefined;
    this.seen = 0;
  }

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.sha1?.update(chunk);
    this.seen += chunk.length;
  }

  get bytes(): number {
    return this.seen;
  }

  digest(): Digests {
    return { sha256: this.sha256.digest('hex'), gitSha1: this.sha1?.digest('hex') };
  }
}

/** Feeds the first `length` bytes of a file (or all of it) through a hasher: one sequential read. */
export async function hashFilePrefix(path: string, hasher: BlobHasher, length?: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let position = 0;
    for (;;) {
      const want = length === undefined ? buffer.length : Math.min(buffer.length, length - position);
      if (want <= 0) break;
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return position;
  } finally {
    await handle.close();
  }
}

/** Whether `digests` match a blob named by `etag` (sha256 for LFS, git sha1 for regular files). */
export function digestMatchesEtag(etag: string, digests: Digests): boolean {
  return SHA256_HEX.test(etag) ? digests.sha256 === etag : digests.gitSha1 === etag;
}
