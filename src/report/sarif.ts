import type { Log, ReportingDescriptor, Result } from 'sarif';
import { codeInfo } from '../codes.js';
import type { Report, ReportFinding } from '../core/report.js';
import type { Severity } from '../core/severity.js';

const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning reads rules[].properties["security-severity"] (0-10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

function uri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function rule(code: string, severity: Severity): ReportingDescriptor {
  const info = codeInfo(code);
  return {
    id: code,
    name: code
      .toLowerCase()
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: info?.title ?? code },
    help: { text: `See docs/findings.md#${code.toLowerCase()} in the modelscan distribution.` },
    defaultConfiguration: { level: LEVEL[info?.severity ?? severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[info?.severity ?? severity], tags: ['security', 'supply-chain'] },
  };
}

function result(f: ReportFinding, ruleIndex: number): Result {
  const r: Result = {
    ruleId: f.code,
    ruleIndex,
    level: f.waived ? 'note' : LEVEL[f.severity],
    message: { text: f.message },
    locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file), uriBaseId: 'TARGET' } } }],
    properties: { severity: f.severity, denies: f.denies, ...(f.location ? { location: f.location } : {}), evidence: f.evidence },
  };
  if (f.waived) r.suppressions = [{ kind: 'external', justification: f.waived }];
  return r;
}

/** SARIF 2.1.0 for GitHub code scanning and other CI viewers. */
export function renderSarif(report: Report): string {
  const rules: ReportingDescriptor[] = [];
  const index = new Map<string, number>();
  for (const f of report.findings) {
    if (!index.has(f.code)) {
      index.set(f.code, rules.length);
      rules.push(rule(f.code, f.severity));
    }
  }
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'modelscan', version: report.tool.version, rules } },
        originalUriBaseIds: { TARGET: { description: { text: `the scanned target ${report.target}` } } },
        results: report.findings.map((f) => result(f, index.get(f.code)!)),
        invocations: [{ executionSuccessful: true, properties: { verdict: report.verdict, policy: report.policy } }],
        properties: { verdict: report.verdict, reasons: report.reasons },
      },
    ],
  };
  return JSON.stringify(log, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}
