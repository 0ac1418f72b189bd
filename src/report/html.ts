import type { Report } from '../core/report.js';
import type { ModelProbeReport } from '../probes/types.js';
import { esc } from './html/escape.js';
import { renderModelProbes } from './html/probes.js';
import { STYLE } from './html/style.js';

export type HtmlReportInput = Report & { probes?: ModelProbeReport[] };

/**
 * For people: one self-contained HTML file (inline CSS and images, no script, no external URL).
 * Every string from the target (file names, node names, messages) is escaped.
 */
export function renderHtml(report: HtmlReportInput): string {
  const { summary } = report;
  const findings = report.findings.map(
    (f) =>
      `<tr><td class="sev-${esc(f.severity)}">${esc(f.severity)}</td><td><code>${esc(f.code)}</code></td>` +
      `<td>${esc(f.file)}${f.location ? ` &gt; ${esc(f.location)}` : ''}</td><td>${esc(f.message)}</td>` +
      `<td>${f.waived ? `waived (${esc(f.waived)})` : f.denies ? '<b>denies</b>' : 'note'}</td></tr>`,
  );
  const files = report.files.map(
    (f) => `<tr><td>${esc(f.path)}</td><td>${esc(f.format)}</td><td class="n">${f.size}</td><td><code>${esc(f.sha256)}</code></td></tr>`,
  );
  const counts = (['critical', 'high', 'medium', 'low', 'info'] as const).map((s) => `${summary.findings[s]} ${s}`).join(', ');
  const body = [
    `<h1>modelscan report: ${esc(report.target)}</h1>`,
    `<p><span class="verdict ${esc(report.verdict)}">${esc(report.verdict)}</span> under policy <b>${esc(report.policy.name)}</b> ` +
      `<span class="muted">(${esc(report.policy.source)}, sha256 ${esc(report.policy.sha256.slice(0, 16))}…)</span></p>`,
    `<p class="muted">${summary.files} file(s), ${summary.bytes} bytes; findings: ${counts}; ${summary.denying} deny. ` +
      `modelscan ${esc(report.tool.version)}, started ${esc(report.startedAt)}, ${report.durationMs} ms.</p>`,
    report.reasons.length ? `<h2>Reasons</h2><ul>${report.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '',
    `<h2>Findings</h2>`,
    findings.length
      ? `<table><thead><tr><th>severity</th><th>code</th><th>file</th><th>message</th><th>effect</th></tr></thead><tbody>${findings.join('')}</tbody></table>`
      : '<p>No findings.</p>',
    report.probes && report.probes.length
      ? `<h2>Behavioural probes</h2><p class="muted">"No evidence of a backdoor found" is not a proof that the model is clean.</p>${report.probes.map(renderModelProbes).join('\n')}`
      : '',
    `<h2>Files</h2><table><thead><tr><th>path</th><th>format</th><th>bytes</th><th>sha256</th></tr></thead><tbody>${files.join('')}</tbody></table>`,
    report.verdict === 'APPROVE' ? '<p class="muted">No finding denies under this policy. This is not a guarantee that the model is safe.</p>' : '',
  ];
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>modelscan ${esc(report.verdict)}: ${esc(report.target)}</title><style>${STYLE}</style></head>\n<body>\n${body.filter(Boolean).join('\n')}\n</body></html>\n`
  );
}
