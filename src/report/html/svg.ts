import { esc, num } from './escape.js';

export interface Bar {
  label: string;
  value: number;
  /** Highlighted (e.g. the target class, an anomalous class). */
  mark?: boolean;
}

/** A horizontal bar chart as inline SVG; `max` fixes the scale (default: the largest value). */
export function barChart(title: string, bars: readonly Bar[], o: { max?: number; format?: (v: number) => string } = {}): string {
  if (bars.length === 0) return '';
  const format = o.format ?? ((v: number) => num(v));
  const max = o.max ?? Math.max(...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-12);
  const row = 18;
  const labelWidth = 90;
  const plot = 260;
  const height = bars.length * row + 24;
  const rows = bars.map((b, i) => {
    const y = 20 + i * row;
    const value = Number.isFinite(b.value) ? Math.max(0, b.value) : 0;
    const w = Math.max(0, Math.min(plot, (value / max) * plot));
    return (
      `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 2}" width="${num(w, 4)}" height="${row - 5}" class="${b.mark ? 'bar mark' : 'bar'}"/>` +
      `<text x="${labelWidth + w + 4}" y="${y + 12}">${esc(format(b.value))}</text>`
    );
  });
  return (
    `<svg class="chart" width="${labelWidth + plot + 70}" height="${height}" role="img" aria-label="${esc(title)}">` +
    `<text x="0" y="12" class="title">${esc(title)}</text>${rows.join('')}</svg>`
  );
}

/** A left-to-right chain of graph nodes (input → … → output) as inline SVG boxes. */
export function nodeChain(title: string, nodes: ReadonlyArray<{ name: string; op?: string; flagged?: boolean }>): string {
  if (nodes.length === 0) return '';
  const shown = nodes.slice(0, 24);
  const boxW = 150;
  const boxH = 38;
  const gap = 22;
  const perRow = 5;
  const rows = Math.ceil(shown.length / perRow);
  const width = perRow * (boxW + gap);
  const height = 20 + rows * (boxH + gap);
  // Exported names are long paths whose tail says most ("/layer1/…/Greater"): keep the end.
  const cut = (s: string) => (s.length > 22 ? `…${s.slice(-21)}` : s);
  const tail = (s: string) => s.split('/').filter(Boolean).pop() ?? s;
  const items = shown.map((n, i) => {
    const x = (i % perRow) * (boxW + gap);
    const y = 20 + Math.floor(i / perRow) * (boxH + gap);
    const arrow = i + 1 < shown.length && (i + 1) % perRow !== 0 ? `<line x1="${x + boxW}" y1="${y + boxH / 2}" x2="${x + boxW + gap}" y2="${y + boxH / 2}" class="edge"/>` : '';
    return (
      `<g><title>${esc(n.name)}${n.op ? ` (${esc(n.op)})` : ''}</title>` +
      `<rect x="${x}" y="${y}" width="${boxW}" height="${boxH}" rx="4" class="${n.flagged ? 'node flagged' : 'node'}"/>` +
      `<text x="${x + 6}" y="${y + 15}" class="op">${esc(cut(n.op ?? tail(n.name)))}</text>` +
      `<text x="${x + 6}" y="${y + 30}">${esc(cut(n.name))}</text></g>${arrow}`
    );
  });
  const more = nodes.length > shown.length ? `<text x="0" y="${height - 4}">… ${nodes.length - shown.length} more</text>` : '';
  return `<svg class="chain" width="${width}" height="${height + (more ? 14 : 0)}" role="img" aria-label="${esc(title)}"><text x="0" y="12" class="title">${esc(title)}</text>${items.join('')}${more}</svg>`;
}
