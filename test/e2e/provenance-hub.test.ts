import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepo, expectInvariants, newSandbox, type Outcome } from '../hub/e2e-harness.js';
import { exampleRepo, nestedCommits, nestedRepo } from '../hub/fixtures.js';
import { CLI, runCliAsync } from '../hub/run-cli.js';
import { startHub, type Hub } from '../hub/index.js';

/**
 * The provenance keys of the policy (sources.endpoints, sources.revision.pinned, sources.commits and the
 * lockfile's source pin) against the loopback hub, with the built CLI.
 */
const NESTED = nestedCommits();
let hub: Hub;
let work: string;

type Report = { verdict: string; reasons: string[]; findings: Array<{ code: string; denies: boolean }>; source: { commit: string; revision: string }; provenance?: Record<string, unknown> };

async function policy(yaml: string): Promise<string> {
  const file = join(await mkdtemp(join(work, 'policy-')), 'policy.yaml');
  await writeFile(file, `name: provenance\n${yaml}`);
  return file;
}

async function run(repo: string, args: string[]): Promise<Outcome & { r: Report }> {
  const box = await newSandbox(work);
  const outcome = await checkRepo(hub, box, repo, { args });
  await expectInvariants(hub, box, outcome);
  expect(outcome.report, outcome.stderr).toBeDefined();
  return { ...outcome, r: outcome.report as unknown as Report };
}

const codes = (r: Report) => r.findings.filter((f) => f.denies).map((f) => f.code);

describe('provenance policy against the loopback hub', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run "npm run build" (npm test does)`);
    work = await mkdtemp(join(tmpdir(), 'modelscan-prov-hub-'));
    hub = await startHub();
    hub.addRepo(nestedRepo());
    hub.addRepo(exampleRepo());
  });
  afterAll(async () => {
    await hub?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('sources.revision.pinned: commit denies a branch before downloading anything, approves the commit', async () => {
    const p = await policy('sources:\n  revision:\n    pinned: commit\n');
    const branch = await run('acme/nested', ['--policy', p, '--revision', 'main']);
    expect(branch.status).toBe(1);
    expect(codes(branch.r)).toEqual(['POLICY_REVISION_UNPINNED']);
    expect(branch.r.reasons[0]).toMatch(/revision "main" of acme\/nested is a branch or tag/);
    expect(branch.r.provenance).toEqual({ fetched: false, pinned: 'commit' });
    expect(branch.requests, 'nothing fetched for a denied source').toEqual([]);

    const tag = await run('acme/nested', ['--policy', p, '--revision', 'v1.0']);
    expect(codes(tag.r)).toEqual(['POLICY_REVISION_UNPINNED']);

    const commit = await run('acme/nested', ['--policy', p, '--revision', NESTED.v1]);
    expect(commit.status, commit.stderr).toBe(0);
    expect(commit.r.verdict).toBe('APPROVE');
    expect(commit.r.source.commit).toBe(NESTED.v1);
    expect(commit.r.provenance).toEqual({ fetched: true, pinned: 'commit' });
  });

  it('sources.commits: another commit denies; with no --revision the expected commit is fetched', async () => {
    const p = await policy(`sources:\n  commits:\n    acme/nested: '${NESTED.v1}'\n`);
    const moved = await run('acme/nested', ['--policy', p, '--revision', 'main']);
    expect(moved.status).toBe(1);
    expect(codes(moved.r)).toEqual(['POLICY_COMMIT_MISMATCH']);
    expect(moved.r.reasons[0]).toContain(`acme/nested is at commit ${NESTED.main}; the policy expects ${NESTED.v1}`);

    const asCommit = await run('acme/nested', ['--policy', p, '--revision', NESTED.pr]);
    expect(codes(asCommit.r)).toEqual(['POLICY_COMMIT_MISMATCH']);
    expect(asCommit.requests, 'a commit revision is judged before the fetch').toEqual([]);

    const pinned = await run('acme/nested', ['--policy', p]);
    expect(pinned.status, pinned.stderr).toBe(0);
    expect(pinned.r.source).toMatchObject({ revision: NESTED.v1, commit: NESTED.v1 });
    expect(pinned.r.provenance).toEqual({ fetched: true, pinned: 'none', expectedCommit: NESTED.v1 });
  });

  it('sources.endpoints: another hub is denied before any request (no token sent), the listed one approves', async () => {
    const elsewhere = await policy("sources:\n  endpoints: ['https://huggingface.co']\n");
    const denied = await run('acme/example', ['--policy', elsewhere]);
    expect(denied.status).toBe(1);
    expect(codes(denied.r)).toEqual(['POLICY_ENDPOINT_DENIED']);
    expect(denied.r.reasons[0]).toContain(`hub endpoint ${hub.url} is not an allowed endpoint`);
    expect(denied.requests).toEqual([]);

    const listed = await policy(`sources:\n  endpoints: ['${hub.url}/']\n  allow: ['acme/*']\n`);
    const ok = await run('acme/example', ['--policy', listed]);
    expect(ok.status, ok.stderr).toBe(0);

    const outside = await policy(`sources:\n  endpoints: ['${hub.url}']\n  allow: ['other/*']\n`);
    const notAllowed = await run('acme/example', ['--policy', outside]);
    expect(codes(notAllowed.r)).toEqual(['POLICY_SOURCE_DENIED']);
    expect(notAllowed.requests).toEqual([]);
  });

  it('sources.revision.pinned: lockfile: the lockfile names the commit to fetch, and another commit denies', async () => {
    const lockDir = await mkdtemp(join(work, 'lock-'));
    const lockfile = join(lockDir, 'modelscan.lock');
    const box = await newSandbox(work);
    const locked = await runCliAsync(['lock', 'acme/nested', '--endpoint', hub.url, '--cache-dir', box.cache, '--revision', 'v1.0', '--output', lockfile, '--quiet'], {
      env: { HF_HOME: box.home, HF_TOKEN: hub.token, MODELSCAN_RETRY_BASE_MS: '1' },
    });
    expect(locked.status, locked.stderr).toBe(0);
    const written = JSON.parse(await readFile(lockfile, 'utf8'));
    expect(written.source).toEqual({ endpoint: hub.url, repo: 'acme/nested', revision: 'v1.0', commit: NESTED.v1 });

    const p = await policy('sources:\n  revision:\n    pinned: lockfile\n');
    const ok = await run('acme/nested', ['--policy', p, '--lockfile', lockfile]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.r.source).toMatchObject({ commit: NESTED.v1 });
    expect(ok.r.provenance).toEqual({ fetched: true, pinned: 'lockfile', lockfileCommit: NESTED.v1 });

    const moved = await run('acme/nested', ['--policy', p, '--lockfile', lockfile, '--revision', 'main']);
    expect(moved.status).toBe(1);
    expect(codes(moved.r)).toContain('POLICY_LOCKFILE_COMMIT_MISMATCH');

    // A lockfile without a source pin (one made from a local folder) does not pin the commit.
    const unpinned = join(lockDir, 'unpinned.lock');
    const { source: _drop, ...rest } = written;
    await writeFile(unpinned, JSON.stringify(rest));
    const noPin = await run('acme/nested', ['--policy', p, '--lockfile', unpinned, '--revision', NESTED.v1]);
    expect(codes(noPin.r)).toEqual(['POLICY_LOCKFILE_UNPINNED']);

    // pinned: lockfile requires the lockfile.
    const missing = await run('acme/nested', ['--policy', p, '--lockfile', join(lockDir, 'absent.lock')]);
    expect(codes(missing.r)).toEqual(['LOCKFILE_NOT_FOUND']);
  });
});
