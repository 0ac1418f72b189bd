import { makeFinding, type Finding } from '../core/finding.js';
import { POLICY_CODES } from './codes.js';
import type { LockSource } from './lock-source.js';
import { COMMIT_SHA } from './schema.js';
import type { SourcesPolicy } from './types.js';

/** What is known of a hub target: before the fetch `commit` is undefined, after it the commit downloaded. */
export interface HubSourceFacts {
  endpoint: string;
  repo: string;
  revision: string;
  commit?: string | undefined;
}

const ROOT = { file: '.', location: [] as string[] };

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** `org/*`, `org/name`, or with an endpoint: `https://hub.example/org/*`. */
export function sourceAllowed(patterns: readonly string[], endpoint: string, repo: string): boolean {
  const full = `${endpoint.replace(/\/+$/, '')}/${repo}`;
  return patterns.some((pattern) => {
    const subject = pattern.includes('://') ? full : repo;
    const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('[^/]*')}$`);
    return regex.test(subject);
  });
}

/** Exact match of normalised endpoints (scheme, host, port and path prefix; trailing slashes ignored). */
export function endpointAllowed(endpoints: readonly string[], endpoint: string): boolean {
  const normalised = endpoint.replace(/\/+$/, '');
  return endpoints.some((allowed) => allowed === normalised);
}

export function expectedCommit(policy: SourcesPolicy, repo: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(policy.commits, repo) ? policy.commits[repo] : undefined;
}

/**
 * The revision to fetch when the user named none: the commit the policy expects, else (pinned: lockfile)
 * the commit the lockfile pins for this repository. Undefined leaves the fetch stage's default (main).
 */
export function defaultRevision(policy: SourcesPolicy, repo: string, lockSource: LockSource | undefined): string | undefined {
  const expected = expectedCommit(policy, repo);
  if (expected) return expected;
  if (policy.revision.pinned === 'lockfile' && lockSource?.repo === repo) return lockSource.commit;
  return undefined;
}

/**
 * The sources rules decidable from the source alone (endpoint, repository, revision, commit). Run before the
 * fetch (commit unknown) so that nothing is downloaded from, and no token sent to, a source the policy
 * denies, and again after it with the commit.
 */
export function sourceFindings(policy: SourcesPolicy, source: HubSourceFacts): Finding[] {
  const out: Finding[] = [];
  const { endpoint, repo, revision } = source;
  const commit = source.commit || undefined;
  if (policy.endpoints.length > 0 && !endpointAllowed(policy.endpoints, endpoint))
    out.push(makeFinding(POLICY_CODES, 'POLICY_ENDPOINT_DENIED', ROOT, `hub endpoint ${endpoint} is not an allowed endpoint (sources.endpoints)`, { endpoint, allowed: policy.endpoints }));
  if (policy.allow.length > 0 && !sourceAllowed(policy.allow, endpoint, repo))
    out.push(makeFinding(POLICY_CODES, 'POLICY_SOURCE_DENIED', ROOT, `${endpoint} ${repo} is not an allowed source (sources.allow)`, { endpoint, repo }));
  if (policy.revision.pinned === 'commit') {
    if (!COMMIT_SHA.test(revision))
      out.push(
        makeFinding(POLICY_CODES, 'POLICY_REVISION_UNPINNED', ROOT, `revision ${JSON.stringify(revision)} of ${repo} is a branch or tag; the policy requires a full 40-hex commit (sources.revision.pinned: commit)`, {
          repo,
          revision,
          ...(commit ? { commit } : {}),
        }),
      );
    else if (commit && commit !== revision)
      out.push(makeFinding(POLICY_CODES, 'POLICY_REVISION_UNPINNED', ROOT, `revision ${revision} of ${repo} resolved to commit ${commit}`, { repo, revision, commit }));
  }
  const expected = expectedCommit(policy, repo);
  const actual = commit ?? (COMMIT_SHA.test(revision) ? revision : undefined);
  if (expected && actual && actual !== expected)
    out.push(makeFinding(POLICY_CODES, 'POLICY_COMMIT_MISMATCH', ROOT, `${repo} is at commit ${actual}; the policy expects ${expected} (sources.commits)`, { repo, expected, actual }));
  return out;
}

/**
 * The lockfile's source pin against the commit fetched. A pin that names another repository or commit
 * always denies; with `pinned: lockfile` a lockfile without a pin denies too (a missing lockfile is
 * LOCKFILE_NOT_FOUND, reported by the lockfile check).
 */
export function lockPinFindings(policy: SourcesPolicy, source: Required<HubSourceFacts>, lockSource: LockSource | undefined, lockPath: string): Finding[] {
  const { repo, commit } = source;
  if (!lockSource) {
    if (policy.revision.pinned !== 'lockfile') return [];
    return [makeFinding(POLICY_CODES, 'POLICY_LOCKFILE_UNPINNED', { file: lockPath, location: [] }, `${lockPath} pins no hub commit for ${repo}; the policy requires one (sources.revision.pinned: lockfile; write it with \`modelscan lock ${repo}\`)`, { repo, commit })];
  }
  if (lockSource.repo === repo && lockSource.commit === commit) return [];
  return [
    makeFinding(POLICY_CODES, 'POLICY_LOCKFILE_COMMIT_MISMATCH', { file: lockPath, location: [] }, `${lockPath} pins ${lockSource.repo}@${lockSource.commit}, but ${repo}@${commit} was fetched`, {
      expected: { repo: lockSource.repo, commit: lockSource.commit },
      actual: { repo, commit },
    }),
  ];
}
