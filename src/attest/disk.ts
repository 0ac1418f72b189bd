import { realpath } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ModelscanError } from '../core/errors.js';
import { snapshotBlobRoots } from '../fetch/cache-layout.js';
import { walkTarget, type WalkEntry } from '../scan/walk.js';
import { runHashTasks } from '../verify/oms/hash-pool.js';
import { compareOmsPaths } from '../verify/oms/paths.js';
import { AttestRejection } from './errors.js';

const SHOWN = 5;

function list(names: string[]): string {
  const shown = names.slice(0, SHOWN).map((n) => JSON.stringify(n.slice(0, 200)));
  return names.length > SHOWN ? `${shown.join(', ')} and ${names.length - SHOWN} more` : shown.join(', ');
}

/**
 * A hub cache snapshot (`…/models--org--name/snapshots/<commit>`) links its files into the sibling
 * `blobs/` folder; those links are the model, not an escape.
 */
function entryProblem(entry: Exclude<WalkEntry, { kind: 'file' } | { kind: 'skipped-git' }>): AttestRejection {
  switch (entry.kind) {
    case 'symlink-escape':
      return new AttestRejection('ATTEST_MODEL_ENTRY_REJECTED', `${entry.rel}: symbolic link leaves the model (-> ${entry.linkTarget})`);
    case 'symlink-broken':
      return new AttestRejection('ATTEST_MODEL_ENTRY_REJECTED', `${entry.rel}: broken symbolic link`);
    case 'special':
      return new AttestRejection('ATTEST_MODEL_ENTRY_REJECTED', `${entry.rel}: is a ${entry.type}, not a regular file`);
    case 'unreadable':
      return new AttestRejection('ATTEST_MODEL_UNREADABLE', `${entry.rel}: cannot read (${entry.reason})`);
  }
}

/**
 * Checks that the model on disk holds exactly the attested files with exactly the attested sha256s:
 * the same walk as `check` (so the same files), each file hashed once, streaming, on worker threads.
 * `skip`: model-relative paths that are not model content (the attestation itself, the check's lockfile).
 */
export async function compareModelWithSubjects(modelPath: string, subjects: ReadonlyMap<string, string>, skip: ReadonlySet<string>): Promise<void> {
  let walk;
  try {
    walk = await walkTarget(modelPath, { exclude: (rel) => skip.has(rel), allowedRoots: snapshotBlobRoots(modelPath) });
  } catch (error) {
    if (error instanceof ModelscanError) throw new AttestRejection('ATTEST_MODEL_UNREADABLE', error.message);
    throw error;
  }
  const files: Array<Extract<WalkEntry, { kind: 'file' }>> = [];
  for (const entry of walk.entries) {
    if (entry.kind === 'file') files.push(entry);
    else if (entry.kind !== 'skipped-git') throw entryProblem(entry);
  }
  const onDisk = new Set(files.map((f) => f.rel));
  const missing = [...subjects.keys()].filter((name) => !onDisk.has(name)).sort(compareOmsPaths);
  if (missing.length) throw new AttestRejection('ATTEST_FILE_MISSING', `attested file${missing.length > 1 ? 's' : ''} missing from the model: ${list(missing)}`);
  const extra = files.map((f) => f.rel).filter((rel) => !subjects.has(rel)).sort(compareOmsPaths);
  if (extra.length) throw new AttestRejection('ATTEST_FILE_EXTRA', `file${extra.length > 1 ? 's' : ''} not covered by the attestation: ${list(extra)}`);

  const outcomes = await runHashTasks(
    files.map((f) => ({ path: f.abs, algorithm: 'sha256' as const, ranges: null, weight: f.size })),
    Math.max(1, availableParallelism()),
  );
  const changed: string[] = [];
  outcomes.forEach((outcome, i) => {
    const file = files[i]!;
    if (!outcome || 'error' in outcome) throw new AttestRejection('ATTEST_MODEL_UNREADABLE', `${file.rel}: cannot read (${outcome ? outcome.error : 'not hashed'})`);
    if (outcome.digests[0] !== subjects.get(file.rel)) changed.push(file.rel);
  });
  if (changed.length) throw new AttestRejection('ATTEST_FILE_CHANGED', `file${changed.length > 1 ? 's' : ''} changed since the check: ${list(changed.sort(compareOmsPaths))}`);
}

/** `path` relative to the model root when it lies inside the model folder, else undefined. */
export async function insideModel(modelPath: string, path: string): Promise<string | undefined> {
  const real = (p: string) => realpath(resolve(p)).catch(() => resolve(p));
  const rel = relative(await real(modelPath), join(await real(dirname(path)), basename(path)));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || resolve(rel) === rel) return undefined;
  return rel.split(sep).join('/');
}
