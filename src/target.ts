import { existsSync } from 'node:fs';
import type { FetchOptions, Snapshot } from './fetch/index.js';
import { fetchSnapshot, parseRepoId } from './fetch/index.js';
import { DEFAULT_ENDPOINT, normalizeEndpoint } from './fetch/urls.js';

/** Options of the fetch stage that `check` passes through (CLI flags and environment). */
export type HubOptions = Omit<FetchOptions, 'repo'>;

/** Where the bytes came from; recorded in the report. */
export type TargetSource =
  | { kind: 'local'; path: string }
  | { kind: 'hub'; endpoint: string; repo: string; revision: string; commit: string; snapshotDir: string };

/**
 * A target before any byte is read: a local path, or the hub repository, endpoint and revision that the
 * fetch stage will use (so the policy can judge the source before anything is downloaded).
 */
export type TargetPlan = { kind: 'local'; path: string } | { kind: 'hub'; repo: string; endpoint: string; revision: string };

export interface ResolvedTarget {
  /** The folder (or file) to scan. */
  path: string;
  /** Folders outside `path` that symlinks may point into (the hub cache's blobs/). */
  allowedRoots: string[];
  source: TargetSource;
  /** Folder that relative lockfile paths resolve against when the target is not a local folder. */
  lockBase?: string;
  /** Repository paths whose cached blob failed re-verification and was downloaded again. */
  repaired: string[];
}

const HUB_PREFIX = 'hf://';
const REPO_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A target is a hub repository when it says so (hf://org/name), or is org/name while neither that path nor
 * its first folder exists locally: `out/model` with an existing `out/` is a missing local path (exit 2),
 * never a silent fetch of whatever someone published as out/model.
 */
export function hubRepoOf(target: string): string | undefined {
  if (target.startsWith(HUB_PREFIX)) return target.slice(HUB_PREFIX.length);
  if (REPO_SHAPE.test(target) && !existsSync(target) && !existsSync(target.split('/')[0]!)) return target;
  return undefined;
}

/** Decides local or hub; for a hub target, validates and fixes the repository id, endpoint and revision. */
export function planTarget(target: string, hub: HubOptions = {}): TargetPlan {
  const repo = hubRepoOf(target);
  if (repo === undefined) return { kind: 'local', path: target };
  const env = hub.env ?? process.env;
  return {
    kind: 'hub',
    repo: parseRepoId(repo).id,
    endpoint: normalizeEndpoint(hub.endpoint ?? (env['HF_ENDPOINT'] || DEFAULT_ENDPOINT)),
    revision: hub.revision ?? 'main',
  };
}

/** Turns a plan into bytes on disk: a local path as is, a hub repository fetched into the cache. */
export async function resolvePlan(plan: TargetPlan, hub: HubOptions = {}): Promise<ResolvedTarget> {
  if (plan.kind === 'local') return { path: plan.path, allowedRoots: [], source: { kind: 'local', path: plan.path }, repaired: [] };
  const snapshot: Snapshot = await fetchSnapshot({ ...hub, repo: plan.repo, endpoint: plan.endpoint, revision: plan.revision });
  return {
    path: snapshot.snapshotDir,
    allowedRoots: [snapshot.blobsDir],
    source: {
      kind: 'hub',
      endpoint: snapshot.endpoint,
      repo: snapshot.repo,
      revision: snapshot.revision,
      commit: snapshot.commit,
      snapshotDir: snapshot.snapshotDir,
    },
    lockBase: process.cwd(),
    repaired: snapshot.files.filter((f) => f.repaired).map((f) => f.path),
  };
}

/** Turns the user's target into bytes on disk: a local path as is, a hub repository fetched into the cache. */
export async function resolveCheckTarget(target: string, hub: HubOptions = {}): Promise<ResolvedTarget> {
  return resolvePlan(planTarget(target, hub), hub);
}
