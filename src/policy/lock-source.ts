import { readFile } from 'node:fs/promises';
import { ModelscanError } from '../core/errors.js';
import { parseLockfile, type Lockfile } from '../verify/lockfile.js';
import { COMMIT_SHA, REPO_ID } from './schema.js';

/**
 * The hub source a lockfile pins (`modelscan lock org/name` writes it): an additive `source` member of
 * modelscan.lock version 1, which older readers ignore.
 */
export interface LockSource {
  endpoint: string;
  repo: string;
  revision: string;
  commit: string;
}

export type PinnedLockfile = Lockfile & { source?: LockSource };

/** Strict: a `source` that is present must be complete and well-formed, or the lockfile is invalid. */
export function parseLockSource(text: string, file: string): LockSource | undefined {
  const fail = (why: string): never => {
    throw new ModelscanError('LOCKFILE_INVALID', `${file}: ${why}`);
  };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) return fail('expected a JSON object');
  const raw = (document as Record<string, unknown>)['source'];
  if (raw === undefined) return undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('source is not an object');
  const { endpoint, repo, revision, commit } = raw as Record<string, unknown>;
  if (typeof endpoint !== 'string' || !/^https?:\/\/[^\s]+$/.test(endpoint)) fail('source.endpoint is not an http(s) URL');
  if (typeof repo !== 'string' || !REPO_ID.test(repo)) fail('source.repo is not a repository id org/name');
  if (typeof revision !== 'string' || revision === '' || revision.length > 255) fail('source.revision is not a revision');
  if (typeof commit !== 'string' || !COMMIT_SHA.test(commit)) fail('source.commit is not a 40-hex commit');
  return { endpoint: endpoint as string, repo: repo as string, revision: revision as string, commit: commit as string };
}

/** Reads and validates a lockfile with its source pin; null when the file does not exist. */
export async function readPinnedLockfile(path: string): Promise<PinnedLockfile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelscanError('LOCKFILE_INVALID', `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const lock = parseLockfile(text, path);
  const source = parseLockSource(text, path);
  return source ? { ...lock, source } : lock;
}
