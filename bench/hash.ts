import { sha256File } from '../src/scan/hash.js';
import { bestOf, bestOfCommand, dataPath, ensureDataFile, hasCommand, ratioLine } from './lib.js';

const GIB = 1024 ** 3;

/** Our streaming sha256 against `openssl dgst -sha256` on the same 1 GiB file, same run. */
export async function benchHash(): Promise<string[]> {
  if (!hasCommand('openssl', ['version'])) return ['hash: openssl not found; install it (apt-get install openssl) to measure the ratio'];
  const file = await dataPath('hash-1gib.bin');
  await ensureDataFile(file, GIB);
  // Warm the page cache for both, so both measure hashing + reading from cache.
  await sha256File(file);
  const ours = await bestOf(3, () => sha256File(file));
  const openssl = bestOfCommand(3, 'openssl', ['dgst', '-sha256', file]);
  return [ratioLine('sha256 1 GiB vs openssl', openssl / ours, 0.95, `ours ${(GIB / 1e6 / (ours / 1000)).toFixed(0)} MB/s, openssl ${(GIB / 1e6 / (openssl / 1000)).toFixed(0)} MB/s`)];
}
