import { makeFinding, type CodeInfo, type Finding } from '../core/finding.js';
import type { ReportFinding, ScanResult, Verdict } from '../core/report.js';
import { atLeast, severityRank } from '../core/severity.js';
import type { FormatId } from '../formats/types.js';
import type { TargetSource } from '../target.js';
import { LOCKFILE_CODES } from '../verify/codes.js';
import { SIGNATURE_CODES } from '../verify/oms/codes.js';
import { ENFORCED_POLICY_CODE_SET, POLICY_CODES } from './codes.js';
import { sourceFindings } from './sources.js';
import type { Policy } from './types.js';

export { sourceAllowed } from './sources.js';

/** Formats whose loading unpickles (directly or inside an archive). */
export const PICKLE_FAMILY: ReadonlySet<FormatId> = new Set(['pickle', 'pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript']);

export interface Decision {
  verdict: Verdict;
  reasons: string[];
  findings: ReportFinding[];
}

export interface EvaluateInput {
  scan: ScanResult;
  policy: Policy;
  /** Where the bytes came from (sources.allow applies to hub repositories). */
  source?: TargetSource;
  /** Findings from other stages (lockfile, signatures). */
  extraFindings?: Finding[];
  /** False when the policy denied the source before anything was fetched (no POLICY_NOTHING_SCANNED then). */
  fetched?: boolean;
  /** Looks up a code's table entry (for `incomplete`); unknown codes are treated as incomplete. */
  codeInfo: (code: string) => CodeInfo | undefined;
}

function globalMatches(pattern: string, qualified: string): boolean {
  if (pattern.endsWith('.*')) return qualified.startsWith(pattern.slice(0, -1));
  return pattern === qualified;
}

/**
 * Codes no policy key can waive or soften: the provenance rules the policy demands, the lockfile's
 * mismatches, and every signature verification failure (SIGNATURE_*, from the verify stage). They deny
 * unless their table severity is info.
 */
const ENFORCED_LOCKFILE_CODES: ReadonlySet<string> = new Set(['LOCKFILE_MISMATCH', 'LOCKFILE_MISSING_FILE', 'LOCKFILE_EXTRA_FILE'] satisfies Array<keyof typeof LOCKFILE_CODES>);

const SIGNATURE_CODE_NAMES: ReadonlySet<string> = new Set(Object.keys(SIGNATURE_CODES));

export function isEnforced(code: string): boolean {
  return ENFORCED_POLICY_CODE_SET.has(code) || ENFORCED_LOCKFILE_CODES.has(code) || SIGNATURE_CODE_NAMES.has(code);
}

function policyFindings(scan: ScanResult, policy: Policy, source: TargetSource | undefined, fetched: boolean): Finding[] {
  const out: Finding[] = [];
  if (source?.kind === 'hub') out.push(...sourceFindings(policy.sources, source));
  for (const file of scan.files) {
    const formats = [{ location: [] as string[], format: file.format }, ...file.nested.map((n) => ({ location: [n.location], format: n.format }))];
    for (const { location, format } of formats) {
      const at = { file: file.path, location };
      const denied = policy.formats.deny.includes(format) || (policy.formats.allow !== null && !policy.formats.allow.includes(format));
      if (denied) out.push(makeFinding(POLICY_CODES, 'POLICY_FORMAT_DENIED', at, `${file.path}${location.length ? ' > ' + location[0] : ''}: format ${format} is not allowed by the policy`, { format }));
      if (policy.pickle.mode === 'never' && PICKLE_FAMILY.has(format))
        out.push(makeFinding(POLICY_CODES, 'POLICY_PICKLE_FORBIDDEN', at, `${file.path}${location.length ? ' > ' + location[0] : ''}: ${format} content unpickles on load; the policy forbids pickle`, { format }));
    }
  }
  const totalSize = scan.files.reduce((sum, f) => sum + f.size, 0);
  const root = { file: '.', location: [] };
  if (policy.limits.maxTotalSize !== null && totalSize > policy.limits.maxTotalSize)
    out.push(makeFinding(POLICY_CODES, 'POLICY_LIMIT_EXCEEDED', root, `target holds ${totalSize} bytes, over the policy limit of ${policy.limits.maxTotalSize}`, { limit: 'max_total_size', value: totalSize }));
  if (policy.limits.maxFiles !== null && scan.files.length > policy.limits.maxFiles)
    out.push(makeFinding(POLICY_CODES, 'POLICY_LIMIT_EXCEEDED', root, `target holds ${scan.files.length} files, over the policy limit of ${policy.limits.maxFiles}`, { limit: 'max_files', value: scan.files.length }));
  if (scan.files.length === 0 && fetched) out.push(makeFinding(POLICY_CODES, 'POLICY_NOTHING_SCANNED', root, 'the target holds no file to scan', {}));
  return out;
}

function waiverFor(finding: Finding, policy: Policy, info: CodeInfo | undefined): string | undefined {
  if (!info || info.incomplete || isEnforced(finding.code)) return undefined;
  if (policy.findings.ignore.includes(finding.code)) return 'findings.ignore';
  if (finding.code === 'PICKLE_UNKNOWN_GLOBAL') {
    const { module, name } = finding.evidence as { module?: unknown; name?: unknown };
    if (typeof module === 'string' && typeof name === 'string') {
      const qualified = `${module}.${name}`;
      const pattern = policy.pickle.allowGlobals.find((p) => globalMatches(p, qualified));
      if (pattern) return `pickle.allow_globals: ${pattern}`;
    }
  }
  return undefined;
}

/** Applies the policy to everything the stages found. APPROVE only when nothing denies. */
export function evaluate({ scan, policy, source, extraFindings = [], codeInfo, fetched = true }: EvaluateInput): Decision {
  const all = [...scan.findings, ...extraFindings, ...policyFindings(scan, policy, source, fetched)];
  const findings: ReportFinding[] = all.map((finding) => {
    const info = codeInfo(finding.code);
    const enforced = isEnforced(finding.code);
    const override = Object.prototype.hasOwnProperty.call(policy.findings.severity, finding.code) ? policy.findings.severity[finding.code] : undefined;
    const severity = override && !info?.incomplete && !enforced ? override : finding.severity;
    const waived = waiverFor(finding, policy, info);
    const incomplete = info === undefined || info.incomplete === true;
    const denies = waived === undefined && (incomplete || (enforced && severity !== 'info') || atLeast(severity, policy.denySeverity));
    const out: ReportFinding = { ...finding, severity, denies };
    if (waived) out.waived = waived;
    return out;
  });
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const denying = findings.filter((f) => f.denies);
  const reasons = denying.map((f) => `${f.code} ${f.severity} ${f.file}${f.location ? ' > ' + f.location : ''}: ${f.message}`);
  return { verdict: denying.length === 0 ? 'APPROVE' : 'DENY', reasons, findings };
}
