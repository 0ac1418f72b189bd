/**
 * `npm run bench`: performance goals as ratios against a reference measured in the same run.
 * Not a test: it prints, it does not fail. Data files are generated under bench/.data/ (gitignored).
 */
import { benchDownload } from './download.js';
import { benchHash } from './hash.js';
import { benchPickle } from './pickle.js';
import { benchTorchZip } from './torch-zip.js';
import { benchVerify } from './verify.js';
import { benchProbeHarness } from './probe-harness.js';
import { benchProbes } from './probes.js';

const sections: Array<[string, () => Promise<string[]>]> = [
  ['hashing', benchHash],
  ['torch zip', benchTorchZip],
  ['pickle', benchPickle],
  ['download', benchDownload],
  ['signature verification', benchVerify],
  ['probe harness', benchProbeHarness],
  ['probes', benchProbes],
];

for (const [name, run] of sections) {
  try {
    for (const line of await run()) process.stdout.write(line + '\n');
  } catch (error) {
    process.stdout.write(`${name}: could not run (${(error as Error).message})\n`);
  }
}
