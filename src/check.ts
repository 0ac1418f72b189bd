import { runProbes } from './probes/index.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ModelscanError } from './core/errors.js';
import { makeFinding, type Finding } from './core/finding.js';
import { packageRoot, toolVersion } from './core/package-root.js';
import type { Report, ReportProvenance, ReportSignature, ScanResult } from './core/report.js';
import { SEVERITIES } from './core/severity.js';
import { codeInfo } from './codes.js';
import { FETCH_CODES } from './fetch/codes.js';
import type { ScanLimits } from './formats/types.js';
import { evaluate } from './policy/evaluate.js';
import { loadPolicy } from './policy/load.js';
import { readPinnedLockfile, type PinnedLockfile } from './policy/lock-source.js';
import { checkSignature, mergeTrust } from './policy/signature-check.js';
import { defaultRevision, expectedCommit, lockPinFindings, sourceFindings } from './policy/sources.js';
import type { LoadedPolicy, Policy, SignatureTrustConfig } from './policy/types.js';
import { scanTarget } from './scan/scan-target.js';
import { resolveTarget } from './scan/walk.js';
import { planTarget, resolvePlan, type HubOptions, type TargetPlan, type TargetSource } from './target.js';
import { LOCKFILE_CODES } from './verify/codes.js';
import { LOCKFILE_NAME, resolveLockfilePath, verifyAgainstLockfile } from './verify/lockfile.js';
import type { WriteAttestationOptions } from './attest/index.js';

/** --attest: where to write the signed attestation and what to sign it with (a local key, else keyless with a token). */
export type AttestOptions = WriteAttestationOptions;

export interface CheckOptions {
  /** `--golden PATH`: golden set for the behavioural probes; overrides the policy's probes.golden. */
  goldenPath?: string;
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
  /** OMS signature file (relative to the current folder); wins over the policy's signature.path and must exist. */
  signaturePath?: string;
  /** Trust added to the policy's: signers, public keys and CA chains are added; a trusted root replaces. */
  trust?: Partial<SignatureTrustConfig>;
  /** Write a signed in-toto attestation of the report (verdict included) to this path. */
  attest?: AttestOptions;
}

function relativeInside(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return undefined;
  return rel.split(sep).join('/');
}

interface LockOutcome {
  findings: Finding[];
  record?: Report['lockfile'];
}

async function readLock(path: string, shown: string): Promise<{ lock: PinnedLockfile | null; error?: Finding }> {
  try {
    return { lock: await readPinnedLockfile(path) };
  } catch (error) {
    if (!(error instanceof ModelscanError)) throw error;
    return { lock: null, error: makeFinding(LOCKFILE_CODES, 'LOCKFILE_INVALID', { file: shown, location: [] }, error.message) };
  }
}

function lockOutcome(read: { lock: PinnedLockfile | null; error?: Finding }, scan: ScanResult, shown: string, wanted: boolean, source: TargetSource, policy: Policy): LockOutcome {
  if (read.error) return { findings: [read.error], record: { path: shown, status: 'mismatch' } };
  if (!read.lock) {
    if (!wanted) return { findings: [] };
    return {
      findings: [makeFinding(LOCKFILE_CODES, 'LOCKFILE_NOT_FOUND', { file: shown, location: [] }, `${shown}: lockfile required but not found`)],
      record: { path: shown, status: 'not-found' },
    };
  }
  const findings = verifyAgainstLockfile(read.lock, scan.files, shown);
  if (source.kind === 'hub') findings.push(...lockPinFindings(policy.sources, source, read.lock.source, shown));
  return { findings, record: { path: shown, status: findings.length ? 'mismatch' : 'verified' } };
}

function provenanceOf(policy: Policy, plan: TargetPlan, lock: PinnedLockfile | null, fetched: boolean): ReportProvenance | undefined {
  if (plan.kind !== 'hub') return undefined;
  const out: ReportProvenance = { fetched, pinned: policy.sources.revision.pinned };
  const expected = expectedCommit(policy.sources, plan.repo);
  if (expected) out.expectedCommit = expected;
  if (lock?.source?.repo === plan.repo) out.lockfileCommit = lock.source.commit;
  return out;
}

interface ReportParts {
  target: string;
  loaded: LoadedPolicy;
  source: TargetSource;
  scan: ScanResult;
  extraFindings: Finding[];
  fetched: boolean;
  started: number;
  lockfile?: Report['lockfile'];
  signature?: ReportSignature;
  provenance?: ReportProvenance;
}

function buildReport(parts: ReportParts): Report {
  const { loaded, scan } = parts;
  const { policy } = loaded;
  const decision = evaluate({ scan, policy, source: parts.source, extraFindings: parts.extraFindings, codeInfo, fetched: parts.fetched });
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Report['summary']['findings'];
  for (const f of decision.findings) counts[f.severity]++;
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'modelscan', version: toolVersion() },
    verdict: decision.verdict,
    target: parts.target,
    source: parts.source,
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
    startedAt: new Date(parts.started).toISOString(),
    durationMs: Date.now() - parts.started,
  };
  if (parts.lockfile) report.lockfile = parts.lockfile;
  if (parts.signature) report.signature = parts.signature;
  if (parts.provenance) report.provenance = parts.provenance;
  return report;
}

/** Model-relative path → sha256 from the scan, so the signature check hashes nothing twice. */
function scannedDigests(scan: ScanResult, singleFile: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of scan.files) if (/^[0-9a-f]{64}$/.test(file.sha256)) out.set(file.path, file.sha256);
  // A single-file model is the OMS resource ".".
  if (singleFile && scan.files.length === 1 && out.has(scan.files[0]!.path)) out.set('.', out.get(scan.files[0]!.path)!);
  return out;
}

/** probes.golden and probes.reference_model are relative to the policy file (the built-in policies' folder for builtin:*). */
function policyDirOf(loaded: LoadedPolicy): string {
  return loaded.source.startsWith('builtin:') ? join(packageRoot(), 'policies') : dirname(resolve(loaded.source));
}

async function finish(report: Report, options: CheckOptions): Promise<Report> {
  if (!options.attest) return report;
  // Loaded only when asked for: the signing stack (@sigstore/sign) is not needed to decide.
  const { writeAttestationForReport } = await import('./attest/write.js');
  await writeAttestationForReport(report, options.attest);
  report.attestation = { path: options.attest.path };
  return report;
}

/**
 * The library entry point: scans `target` (a model file or folder), applies the policy and
 * returns the report. Throws ModelscanError only when the check cannot complete (exit 2).
 */
export async function check(target: string, options: CheckOptions = {}): Promise<Report> {
  const started = Date.now();
  const loaded = options.policy ?? (await loadPolicy(options.policyPath));
  const { policy } = loaded;
  let plan = planTarget(target, options.hub);

  // A hub target's lockfile lies in the current folder: read it first, it may name the commit to fetch.
  let hubLock: { lock: PinnedLockfile | null; error?: Finding } | undefined;
  const hubLockPath = resolveLockfilePath(process.cwd(), options.lockfilePath ?? policy.lockfile.path);
  if (plan.kind === 'hub') {
    hubLock = await readLock(hubLockPath, hubLockPath);
    const revision = options.hub?.revision === undefined ? defaultRevision(policy.sources, plan.repo, hubLock.lock?.source) : undefined;
    if (revision) plan = { ...plan, revision };
    if (sourceFindings(policy.sources, plan).length > 0) {
      // Denied before any byte is downloaded (and before any token is sent to a denied endpoint).
      const source: TargetSource = { kind: 'hub', endpoint: plan.endpoint, repo: plan.repo, revision: plan.revision, commit: '', snapshotDir: '' };
      const provenance = provenanceOf(policy, plan, hubLock.lock, false);
      const scan: ScanResult = { target, root: '', files: [], findings: [] };
      return finish(buildReport({ target, loaded, source, scan, extraFindings: [], fetched: false, started, ...(provenance ? { provenance } : {}) }), options);
    }
  }

  const hubOptions: HubOptions = { ...options.hub, ...(plan.kind === 'hub' ? { revision: plan.revision } : {}) };
  const resolved = await resolvePlan(plan, hubOptions);
  const { root, absTarget, singleFile } = await resolveTarget(resolved.path);
  const lockPath = resolveLockfilePath(resolved.lockBase ?? root, options.lockfilePath ?? policy.lockfile.path);
  const lockRel = relativeInside(root, lockPath);
  const isLocal = resolved.source.kind === 'local';
  // A local folder's own modelscan.lock is ours, not the model's; a hub repository's files are all the model's.
  const exclude = (rel: string) => rel === lockRel || (isLocal && rel === LOCKFILE_NAME);

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

  const pinnedByLockfile = !isLocal && policy.sources.revision.pinned === 'lockfile';
  const wantLock = policy.lockfile.required || options.lockfilePath !== undefined || pinnedByLockfile;
  const lockShown = lockRel ?? lockPath;
  const lockRead = hubLock && lockPath === hubLockPath ? hubLock : await readLock(lockPath, lockShown);
  const lock = lockOutcome(lockRead, { ...scan, target }, lockShown, wantLock, resolved.source, policy);
  extraFindings.push(...lock.findings);

  const signature = await checkSignature({
    policy: mergeTrust(policy.signature, options.trust),
    modelPath: singleFile ? absTarget : root,
    root,
    ...(options.signaturePath !== undefined ? { signaturePath: options.signaturePath } : {}),
    knownSha256: scannedDigests(scan, singleFile),
    symlinkRoots: resolved.allowedRoots,
    extraIgnorePaths: isLocal && !singleFile ? [...new Set([LOCKFILE_NAME, ...(lockRel ? [lockRel] : [])])] : [],
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  extraFindings.push(...signature.findings);

  // A file the format stage could not fully parse denies already; the probes would only repeat it.
  const unparsed = new Set(scan.findings.filter((f) => codeInfo(f.code)?.incomplete).map((f) => f.file));
  const probes = await runProbes({
    files: scan.files.filter((f) => !unparsed.has(f.path)).map((f) => ({ path: f.path, absPath: join(root, f.path), format: f.format, nested: f.nested })),
    policy: policy.probes,
    ...(options.goldenPath !== undefined ? { goldenOverride: options.goldenPath } : {}),
    policyDir: policyDirOf(loaded),
  });
  extraFindings.push(...probes.findings);

  const provenance = provenanceOf(policy, plan, lockRead.lock, true);
  const report = buildReport({
    target,
    loaded,
    source: resolved.source,
    scan: { ...scan, target },
    extraFindings,
    fetched: true,
    started,
    ...(lock.record ? { lockfile: lock.record } : {}),
    ...(signature.record ? { signature: signature.record } : {}),
    ...(provenance ? { provenance } : {}),
  });
  if (probes.reports.length > 0) report.probes = probes.reports;
  return finish(report, options);
}
