/** Fetches bench/model once into a fresh cache and prints {ms, maxRssKiB}: run in its own process for a clean RSS. */
import { fetchSnapshot } from '../src/fetch/index.js';

const [endpoint, cacheDir, jobs] = process.argv.slice(2) as [string, string, string];
const started = process.hrtime.bigint();
await fetchSnapshot({ repo: 'bench/model', endpoint, cacheDir, jobs: Number(jobs), progress: false, token: null });
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
