import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cacheProblems, walk } from './cache-reader.js';
import { parseRoute } from './routes.js';
import { runCliAsync, type CliRun } from './run-cli.js';
import { gitBlobSha1, sha256Hex } from './hashes.js';
import type { Hub, HubRepo, HubRequest } from './types.js';

/** One CLI run's private corner of the file system. Only cache/, report.json and token may appear in it. */
export interface Sandbox {
  root: string;
  cache: string;
  report: string;
  /** HF_HOME: must stay empty (no stored token is found there, nothing is written there). */
  home: string;
}

export async function newSandbox(work: string): Promise<Sandbox> {
  const root = await mkdtemp(join(work, 'case-'));
  const home = join(root, 'hf-home');
  await mkdir(home);
  return { root, cache: join(root, 'cache'), report: join(root, 'report.json'), home };
}

export interface Outcome extends CliRun {
  /** The JSON report, when one was written. */
  report: { verdict: string; files: Array<{ path: string }>; findings: Array<{ code: string; file?: string }> } | undefined;
  reportText: string;
  /** What the hub's three origins saw during this run. */
  requests: HubRequest[];
}

export interface CheckOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Put the valid token in HF_TOKEN (default true). */
  token?: boolean;
}

/** `modelscan check <repo> --endpoint <hub> --cache-dir <sandbox>/cache --format json --output <sandbox>/report.json`. */
export async function checkRepo(hub: Hub, box: Sandbox, repo: string, options: CheckOptions = {}): Promise<Outcome> {
  const mark = hub.requests.length;
  const env: Record<string, string> = { HF_HOME: box.home, MODELSCAN_RETRY_BASE_MS: '1', ...options.env };
  if (options.token !== false) env.HF_TOKEN = hub.token;
  const run = await runCliAsync(['check', repo, '--endpoint', hub.url, '--cache-dir', box.cache, '--format', 'json', '--output', box.report, ...(options.args ?? [])], { env });
  const reportText = existsSync(box.report) ? await readFile(box.report, 'utf8') : '';
  const report = reportText ? (JSON.parse(reportText) as Outcome['report']) : undefined;
  return { ...run, report, reportText, requests: hub.requests.slice(mark) };
}

/** Requests that fetched bytes or metadata of one repo file, on any origin. */
export function fileRequests(requests: HubRequest[], path: string): HubRequest[] {
  return requests.filter((r) => {
    const url = new URL(r.url);
    if (r.origin !== 'hub') return url.searchParams.get('file') === path;
    try {
      const route = parseRoute(url.pathname);
      return route.kind === 'resolve' && route.path === path;
    } catch {
      return false;
    }
  });
}

/** One line on stderr, as the CLI promises for a run that could not complete. */
export function expectOneLineError(outcome: Outcome, pattern?: RegExp): void {
  expect(outcome.status, outcome.stderr).toBe(2);
  const lines = outcome.stderr.trim().split('\n');
  expect(lines, outcome.stderr).toHaveLength(1);
  if (pattern) expect(lines[0]).toMatch(pattern);
}

export interface InvariantOptions {
  /** False when the test corrupted a blob itself. */
  cacheConsistent?: boolean;
  /** True content by etag (see `knownBlobs`): after a failed run, a partial that is a prefix of it may stay. */
  known?: Map<string, Buffer>;
}

/** etag -> content of every Buffer-backed file of these repos. */
export function knownBlobs(repos: HubRepo[]): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const repo of repos) {
    for (const files of Object.values(repo.commits)) {
      for (const f of files) if (Buffer.isBuffer(f.content)) map.set(f.lfs ? sha256Hex(f.content) : gitBlobSha1(f.content), f.content);
    }
  }
  return map;
}

/**
 * What must hold after any run, passed or failed: the token is nowhere in stdout, stderr, the report or
 * the cache; no origin but the hub ever saw an Authorization header; the cache is consistent (every
 * blob matches its name, relative symlinks into blobs/, no .incomplete after a success and, after a
 * failure, only verified prefixes kept for resuming); nothing was written beside it.
 */
export async function expectInvariants(hub: Hub, box: Sandbox, outcome: Outcome, options: InvariantOptions = {}): Promise<void> {
  for (const [what, text] of [
    ['stdout', outcome.stdout],
    ['stderr', outcome.stderr],
    ['report', outcome.reportText],
  ] as const) {
    expect(text.includes(hub.token), `token leaked in ${what}`).toBe(false);
  }
  if (existsSync(box.cache)) {
    for (const file of await walk(box.cache)) {
      const bytes = await readFile(file).catch(() => undefined);
      expect(bytes?.includes(hub.token) ?? false, `token leaked in ${file}`).toBe(false);
    }
  }
  const offsite = outcome.requests.filter((r) => r.origin !== 'hub' && r.headers.authorization !== undefined);
  expect(offsite.map((r) => r.url), 'Authorization sent to another origin').toEqual([]);
  expect(hub.foreignAuthorizations()).toEqual([]);
  const known = options.known;
  const problems = await cacheProblems(box.cache, outcome.status === 0 || !known ? {} : { partialOf: (etag) => known.get(etag) });
  // A test that corrupts a blob itself checks only that nothing new is wrong.
  expect(options.cacheConsistent === false ? problems.filter((p) => !p.startsWith('blob does not match')) : problems).toEqual([]);
  const allowed = new Set(['cache', 'report.json', 'hf-home', 'token']);
  expect((await readdir(box.root)).filter((n) => !allowed.has(n)), 'written beside the cache').toEqual([]);
  expect(await readdir(box.home), 'written into HF_HOME').toEqual([]);
}
