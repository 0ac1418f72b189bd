/**
 * `npm run bench`: performance goals as ratios against a reference measured in the same run.
 * Not a test: it prints, it does not fail. Data files are generated under bench/.data/ (gitignored).
 */
import { benchHash } from './hash.js';

const sections: Array<[string, () => Promise<string[]>]> = [['hashing', benchHash]];

for (const [name, run] of sections) {
  try {
    for (const line of await run()) process.stdout.write(line + '\n');
  } catch (error) {
    process.stdout.write(`${name}: could not run (${(error as Error).message})\n`);
  }
}
