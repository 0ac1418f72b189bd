/** The hashing workers refuse a file whose size is not the one the shard ranges were cut from. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHashTasks } from '../../src/verify/oms/hash-pool.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-pool-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('runHashTasks', () => {
  it('ranges of a file that grew since it was listed: ECHANGED, not a digest of its first bytes only', async () => {
    const path = join(tmp, 'grown.bin');
    await writeFile(path, 'abcdefghij'); // listed at 5 bytes, 10 now
    const [grown, same] = await runHashTasks(
      [
        { path, algorithm: 'sha256', ranges: [[0, 5]], weight: 5, size: 5 },
        { path, algorithm: 'sha256', ranges: [[0, 5], [5, 10]], weight: 10, size: 10 },
      ],
      2,
    );
    expect(grown).toEqual({ error: 'ECHANGED' });
    expect(same).toEqual({ digests: [createHash('sha256').update('abcde').digest('hex'), createHash('sha256').update('fghij').digest('hex')] });
  });
});
