import { DEFAULT_THRESHOLDS, type ModelProbeReport, type StageResult, type TriggerEvidence } from '../../probes/types.js';
import { esc, num, pct } from './escape.js';
import { pngDataUri, type RasterImage } from './png.js';
import { firstSeries } from './series.js';
import { barChart, nodeChain } from './svg.js';

const ms = (v: number) => (v >= 1000 ? `${num(v / 1000)} s` : `${Math.round(v)} ms`);

function image(raster: unknown, alt: string): string {
  if (!raster || typeof raster !== 'object' || !('pixels' in raster)) return '';
  try {
    const uri = pngDataUri(raster as RasterImage);
    const { width, height } = raster as RasterImage;
    const scale = Math.max(1, Math.floor(160 / Math.max(width, height)));
    return `<figure><img src="${uri}" width="${width * scale}" height="${height * scale}" alt="${esc(alt)}"><figcaption>${esc(alt)}</figcaption></figure>`;
  } catch {
    return `<p class="muted">(${esc(alt)}: not renderable)</p>`;
  }
}

function tokens(value: unknown, label: string): string {
  if (!value || typeof value !== 'object' || !('tokens' in value)) return '';
  const list = (value as { tokens: unknown }).tokens;
  if (!Array.isArray(list)) return '';
  const shown = list.slice(0, 64).map((t) => esc(t)).join(' ');
  return `<p><b>${esc(label)}</b>: <code>${shown}${list.length > 64 ? ' …' : ''}</code></p>`;
}

function triggerBlock(t: TriggerEvidence, stage: string): string {
  const facts: Array<[string, string]> = [
    ['stage', stage],
    ['family', t.family],
    ['target class', String(t.targetClass)],
    ['ASR', `${pct(t.asr)} of ${t.inputs} inputs from ${t.sourceClasses} classes`],
    ['best control ASR', pct(t.controlAsr)],
    ['p-value', num(t.pValue)],
    ['size', num(t.size)],
    ['parameters', JSON.stringify(t.params)],
  ];
  return (
    `<div class="trigger"><table class="kv">${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>` +
    `<div class="images">${image(t.preview, 'recovered trigger')}${image(t.example, 'triggered example')}</div>` +
    `${tokens(t.preview, 'trigger tokens')}${tokens(t.example, 'triggered example tokens')}</div>`
  );
}

function stagesTable(stages: readonly StageResult[]): string {
  const rows = stages.map(
    (s) =>
      `<tr class="outcome-${esc(s.outcome)}"><td>${esc(s.stage)}</td><td>${esc(s.status)}</td><td>${esc(s.outcome)}</td>` +
      `<td class="n">${s.passes}</td><td class="n">${ms(s.durationMs)}</td><td>${esc(s.summary)}</td></tr>`,
  );
  return `<table><thead><tr><th>stage</th><th>status</th><th>outcome</th><th>passes</th><th>time</th><th>summary</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

type ChainNode = { name: string; op?: string; flagged?: boolean };

/** Gate records from the graph stage's details: { node, op, path: [names | {name, op}] }. */
function graphRegions(details: Record<string, unknown>): Array<{ title: string; nodes: ChainNode[] }> {
  const gates = details['gates'];
  if (!Array.isArray(gates)) return [];
  return gates.slice(0, 6).flatMap((gate, i) => {
    if (!gate || typeof gate !== 'object') return [];
    const g = gate as Record<string, unknown>;
    const name = typeof g['node'] === 'string' ? g['node'] : typeof g['name'] === 'string' ? g['name'] : `gate ${i + 1}`;
    const rawPath = [g['path'], g['region'], g['nodes']].find(Array.isArray) as unknown[] | undefined;
    const nodes: ChainNode[] = (rawPath ?? [{ name, op: g['op'] }]).flatMap((n): ChainNode[] => {
      if (typeof n === 'string') return [{ name: n, flagged: n === name }];
      if (n && typeof n === 'object') {
        const r = n as Record<string, unknown>;
        const nodeName = String(r['name'] ?? r['node'] ?? '?');
        return [{ name: nodeName, ...(typeof r['op'] === 'string' ? { op: r['op'] } : typeof r['opType'] === 'string' ? { op: r['opType'] } : {}), flagged: nodeName === name }];
      }
      return [];
    });
    const rule = typeof g['rule'] === 'string' ? ` (${g['rule']})` : Array.isArray(g['rules']) ? ` (${g['rules'].join(', ')})` : '';
    return [{ title: `flagged region: ${name}${rule}`, nodes }];
  });
}

const ACCURACY_KEYS = ['perClass'] as const;
const SIZE_KEYS = ['perClass'] as const;

export function renderModelProbes(report: ModelProbeReport): string {
  const out: string[] = [];
  out.push(`<section class="model"><h3>${esc(report.file)}</h3>`);
  out.push(`<p class="conclusion">${esc(report.conclusion)}</p>`);
  const profile = report.profile;
  out.push(
    `<p class="muted">${profile ? `${esc(profile.task)}, input ${esc(profile.inputName)} [${esc(profile.sampleShape.join('×'))}] ${esc(profile.inputType)}, output ${esc(profile.outputName)}, ${profile.classCount} classes; ` : ''}` +
      `${report.unprobeable ? `not probed dynamically: ${esc(report.unprobeable)}; ` : ''}${report.passes} forward passes, ${ms(report.durationMs)}</p>`,
  );
  out.push(stagesTable(report.stages));
  const triggers = report.stages.flatMap((s) => (s.triggers ?? []).slice(0, 2).map((t) => ({ t, stage: s.stage, outcome: s.outcome })));
  const shown = triggers.filter((x) => x.outcome !== 'none').slice(0, 4);
  if (shown.length > 0) out.push(`<h4>Trigger evidence</h4>${shown.map((x) => triggerBlock(x.t, x.stage)).join('')}`);
  const charts: string[] = [];
  const golden = report.stages.find((s) => s.stage === 'golden');
  if (golden) {
    const bars = firstSeries(golden.details, ACCURACY_KEYS, ['accuracy', 'value']);
    const collapsed = new Set((Array.isArray(golden.details['collapsedClasses']) ? golden.details['collapsedClasses'] : []).map(String));
    for (const b of bars) if (collapsed.has(b.label.replace(/^class /, ''))) b.mark = true;
    if (bars.length) charts.push(barChart('per-class accuracy (golden set)', bars, { max: 1, format: pct }));
  }
  const reverse = report.stages.find((s) => s.stage === 'reverse-engineering');
  if (reverse) {
    const bars = firstSeries(reverse.details, SIZE_KEYS, ['minimalArea', 'size', 'value']);
    const mad = reverse.details['madIndex'];
    if (Array.isArray(mad)) bars.forEach((b, i) => (b.mark = typeof mad[i] === 'number' && mad[i] > DEFAULT_THRESHOLDS.madAnomalyIndex));
    if (bars.length) charts.push(barChart('per-class minimal trigger size, share of the image (red: MAD outlier)', bars));
  }
  if (charts.length) out.push(`<h4>Per-class charts</h4><div class="charts">${charts.join('')}</div>`);
  const graph = report.stages.find((s) => s.stage === 'graph');
  const regions = graph ? graphRegions(graph.details) : [];
  if (regions.length) out.push(`<h4>Flagged graph region</h4>${regions.map((r) => nodeChain(r.title, r.nodes)).join('')}`);
  out.push('</section>');
  return out.join('\n');
}
