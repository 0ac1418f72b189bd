import { basename, resolve } from 'node:path';
import type { Report } from '../core/report.js';
import { LOCKFILE_NAME } from '../verify/lockfile.js';
import { omsRootDigest } from '../verify/oms/manifest.js';
import { compareOmsPaths } from '../verify/oms/paths.js';
import { CHECK_PREDICATE_TYPE, IN_TOTO_STATEMENT_TYPE } from './constants.js';
import type { AttestedSource, CheckPredicate, CheckStatement, ProbeSummary } from './predicate.js';
import { summarizeProbes } from './probe-summary.js';

/**
 * The OMS root digest (model_signing `files` serialization, sha256) of a set of files, from digests
 * already computed: resources sorted as model_signing sorts them, no file read again.
 */
export function modelRootDigest(files: ReadonlyArray<{ path: string; sha256: string }>): string {
  const resources = [...files]
    .sort((a, b) => compareOmsPaths(a.path, b.path))
    .map((f) => ({ name: f.path, algorithm: 'sha256', digest: f.sha256 }));
  return omsRootDigest(resources);
}

function attestedSource(report: Report): AttestedSource {
  const s = report.source;
  // The hub snapshot folder is a path on the checking machine, not provenance: left out.
  if (s.kind === 'hub') return { kind: 'hub', endpoint: s.endpoint, repo: s.repo, revision: s.revision, commit: s.commit };
  return { kind: 'local', path: s.path };
}

/** The name of the whole-model subject: the hub repository, else the target's last path component. */
function modelName(report: Report): string {
  if (report.source.kind === 'hub') return report.source.repo;
  const given = basename(report.target);
  return given && given !== '.' && given !== '..' ? given : basename(resolve(report.target));
}

/** What `check` leaves out of a target by design (src/check.ts): the lockfile, when it lies inside. */
function excludedPaths(report: Report): string[] {
  const scanned = new Set(report.files.map((f) => f.path));
  const out = new Set<string>();
  if (report.source.kind === 'local') out.add(LOCKFILE_NAME);
  const lock = report.lockfile?.path;
  if (lock && !lock.startsWith('/') && !lock.startsWith('../') && !lock.includes('\\')) out.add(lock);
  return [...out].filter((p) => !scanned.has(p)).sort(compareOmsPaths);
}

function findingsSummary(report: Report): CheckPredicate['findings'] {
  const denyingCodes = [...new Set(report.findings.filter((f) => f.denies).map((f) => f.code))].sort();
  return {
    total: report.findings.length,
    bySeverity: { ...report.summary.findings },
    denying: report.summary.denying,
    denyingCodes,
    waived: report.findings.filter((f) => f.waived !== undefined).length,
  };
}

/**
 * The in-toto Statement v1 a check attests: subject[0] = the whole model (OMS root digest), then one
 * subject per scanned file with its sha256; predicate = verdict, policy, tool, source, summaries, time.
 */
export function buildStatement(report: Report, o: { rootDigest: string }): CheckStatement {
  const started = new Date(report.startedAt);
  const predicate: CheckPredicate = {
    verdict: report.verdict,
    reasons: [...report.reasons],
    tool: { name: report.tool.name, version: report.tool.version },
    policy: { name: report.policy.name, source: report.policy.source, sha256: report.policy.sha256 },
    source: attestedSource(report),
    model: { name: modelName(report), rootDigest: { sha256: o.rootDigest }, files: report.files.length, bytes: report.summary.bytes },
    excludedPaths: excludedPaths(report),
    findings: findingsSummary(report),
    startedAt: report.startedAt,
    finishedAt: new Date(started.getTime() + report.durationMs).toISOString(),
  };
  if (report.lockfile) predicate.lockfile = { path: report.lockfile.path, status: report.lockfile.status };
  const probes: ProbeSummary | undefined = summarizeProbes((report as { probes?: unknown }).probes);
  if (probes) predicate.probes = probes;
  if (report.signature) predicate.signature = JSON.parse(JSON.stringify(report.signature)) as Record<string, unknown>;
  const files = [...report.files].sort((a, b) => compareOmsPaths(a.path, b.path));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: predicate.model.name, digest: { sha256: o.rootDigest } }, ...files.map((f) => ({ name: f.path, digest: { sha256: f.sha256 } }))],
    predicateType: CHECK_PREDICATE_TYPE,
    predicate,
  };
}
