import type { Report, ReportFinding } from '../core/report.js';

function line(f: ReportFinding): string {
  const mark = f.waived ? `waived (${f.waived})` : f.denies ? 'DENIES' : 'note';
  const where = f.location ? ` [${f.location}]` : '';
  return `  ${f.severity.toUpperCase().padEnd(8)} ${f.code}${where}: ${f.message} — ${mark}`;
}

/** For people: the verdict first, then findings grouped by file, one line each. */
export function renderText(report: Report): string {
  const out: string[] = [];
  const { summary } = report;
  out.push(`${report.verdict} ${report.target}`);
  out.push(
    `policy ${report.policy.name}; ${summary.files} file(s), ${summary.bytes} bytes; findings: ` +
      `${summary.findings.critical} critical, ${summary.findings.high} high, ${summary.findings.medium} medium, ` +
      `${summary.findings.low} low, ${summary.findings.info} info; ${summary.denying} deny`,
  );
  if (report.lockfile) out.push(`lockfile ${report.lockfile.path}: ${report.lockfile.status}`);
  if (report.signature) out.push(`signature ${report.signature.path}: ${report.signature.status}${report.signature.method ? ` (${report.signature.method})` : ''}`);
  for (const p of report.probes ?? []) out.push(`probes ${p.file}: ${p.conclusion} (${p.passes} passes, ${(p.durationMs / 1000).toFixed(1)} s)`);
  if (report.attestation) out.push(`attestation written to ${report.attestation.path}`);
  const byFile = new Map<string, ReportFinding[]>();
  for (const f of report.findings) {
    const list = byFile.get(f.file) ?? [];
    list.push(f);
    byFile.set(f.file, list);
  }
  const formats = new Map(report.files.map((f) => [f.path, f.format]));
  for (const [file, findings] of byFile) {
    out.push('');
    out.push(`${file}${formats.has(file) ? ` (${formats.get(file)})` : ''}`);
    for (const f of findings) out.push(line(f));
  }
  const clean = report.files.filter((f) => !byFile.has(f.path));
  if (clean.length > 0) {
    out.push('');
    out.push('no findings:');
    for (const f of clean) out.push(`  ${f.path} (${f.format})`);
  }
  if (report.verdict === 'APPROVE') {
    out.push('');
    out.push('No finding denies under this policy. This is not a guarantee that the model is safe.');
  }
  return out.join('\n') + '\n';
}
