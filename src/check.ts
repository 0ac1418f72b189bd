import { relative, sep } from 'node:path';
import { ModelscanError } from './core/errors.js';
import { makeFinding, type Finding } from './core/finding.js';
import { toolVersion } from './core/package-root.js';
import type { Report } from './core/report.js';
import { SEVERITIES } from './core/severity.js';
import { codeInfo } from './codes.js';
import { FETCH_CODES } from './fetch/codes.js';
import type { ScanLimits } from './formats/types.js';
import { evaluate } from './policy/evaluate.js';
import { loadPolicy } from './policy/load.js';
import type { LoadedPolicy } from './policy/types.js';
import { scanTarget } from './scan/scan-target.js';
import { resolveTarget } from './scan/walk.js';
import { resolveCheckTarget, type HubOptions } from './target.js';
import { LOCKFILE_CODES } from './verify/codes.js';
import { LOCKFILE_NAME, readLockfile, resolveLockfilePath, verifyAgainstLockfile } from './verify/lockfile.js';

export interface CheckOptions {
  /** Policy YAML path; the strict built-in default when absent. */
  policyPath?: string;
  /** An already loaded policy (library use); wins over policyPath. */
  policy?: LoadedPolicy;
  /** Lockfile to verify against; overrides the policy's lockfile.path. */
  lockfilePath?: string;
  limits?: Partial<ScanLimits>;
  concurrency?: number;
  /** How to fetch a hub target (org/name or hf://org/name): revision, endpoint, token, cache. */
  hub?: HubOptions;
}

function relativeInside(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * The library entry point: scans `target` (a model file or folder), applies the policy and
 * returns the report. Throws ModelscanError only when the check cannot complete (exit 2).
 */
export async function check(target: string, options: CheckOptions = {}): Promise<Report> {
  const started = Date.now();
  const loaded = options.policy ?? (await loadPolicy(options.policyPath));
  const { policy } = loaded;
  const resolved = await resolveCheckTarget(target, options.hub);
  const { root } = await resolveTarget(resolved.path);
  const lockPath = resolveLockfilePath(resolved.lockBase ?? root, options.lockfilePath ?? policy.lockfile.path);
  const lockRel = relativeInside(root, lockPath);
  // A local folder's own modelscan.lock is ours, not the model's; a hub repository's files are all the model's.
  const exclude = (rel: string) => rel === lockRel || (resolved.source.kind === 'local' && rel === LOCKFILE_NAME);

  const scan = await scanTarget(resolved.path, {
    exclude,
    allowedRoots: resolved.allowedRoots,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(policy.limits.maxFileSize !== null ? { maxFileSize: policy.limits.maxFileSize } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });

  const extraFindings: Finding[] = resolved.repaired.map((path) =>
    makeFinding(FETCH_CODES, 'FETCH_CACHE_TAMPERED', { file: path, location: [] }, `${path}: the cached blob did not match its digest and was downloaded again; find out what changed the cache`),
  );
  let lockfile: Report['lockfile'];
  const wantLock = policy.lockfile.required || options.lockfilePath !== undefined;
  try {
    const lock = await readLockfile(lockPath);
    if (lock) {
      const mismatches = verifyAgainstLockfile(lock, scan.files, lockRel ?? lockPath);
      extraFindings.push(...mismatches);
      lockfile = { path: lockRel ?? lockPath, status: mismatches.length ? 'mismatch' : 'verified' };
    } else if (wantLock) {
      extraFindings.push(makeFinding(LOCKFILE_CODES, 'LOCKFILE_NOT_FOUND', { file: lockRel ?? lockPath, location: [] }, `${lockRel ?? lockPath}: lockfile required but not found`));
      lockfile = { path: lockRel ?? lockPath, status: 'not-found' };
    }
  } catch (error) {
    if (!(error instanceof ModelscanError)) throw error;
    extraFindings.push(makeFinding(LOCKFILE_CODES, 'LOCKFILE_INVALID', { file: lockRel ?? lockPath, location: [] }, error.message));
    lockfile = { path: lockRel ?? lockPath, status: 'mismatch' };
  }

  const decision = evaluate({ scan: { ...scan, target }, policy, source: resolved.source, extraFindings, codeInfo });
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Report['summary']['findings'];
  for (const f of decision.findings) counts[f.severity]++;
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'modelscan', version: toolVersion() },
    verdict: decision.verdict,
    target,
    source: resolved.source,
    policy: { name: policy.name, source: loaded.source, sha256: loaded.sha256 },
    reasons: decision.reasons,
    summary: {
      files: scan.files.length,
      bytes: scan.files.reduce((sum, f) => sum + f.size, 0),
      findings: counts,
      denying: decision.findings.filter((f) => f.denies).length,
    },
    files: scan.files,
    findings: decision.findings,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
  if (lockfile) report.lockfile = lockfile;
  return report;
}
