/** Inline stylesheet: the report is one self-contained file with no external resources. */
export const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1d1d1f}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}h3{margin-top:1.4em}
.verdict{display:inline-block;padding:.2em .7em;border-radius:4px;font-weight:700;color:#fff}
.APPROVE{background:#1f7a37}.DENY{background:#b3261e}
table{border-collapse:collapse;margin:.6em 0;width:100%}th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev-critical{color:#b3261e;font-weight:700}.sev-high{color:#c2410c;font-weight:700}.sev-medium{color:#a16207}.sev-low,.sev-info{color:#555}
tr.outcome-fail td{background:#fdecea}tr.outcome-warn td{background:#fff7e0}
.muted{color:#666}.conclusion{font-weight:600}code{word-break:break-all}
table.kv{width:auto}table.kv th{width:10em}
.trigger{border:1px solid #ddd;border-radius:6px;padding:.5em;margin:.6em 0}
.images{display:flex;gap:1.5em}figure{margin:.4em 0}img{image-rendering:pixelated;border:1px solid #ccc;background:#fff}
figcaption{font-size:.85em;color:#555}
.charts{display:flex;flex-wrap:wrap;gap:2em}
svg text{font:11px system-ui,sans-serif;fill:#222}svg text.title{font-weight:700}svg text.op{font-weight:700;fill:#444}
svg .bar{fill:#5b7db1}svg .bar.mark{fill:#b3261e}
svg .node{fill:#f4f4f6;stroke:#888}svg .node.flagged{fill:#fdecea;stroke:#b3261e;stroke-width:2}svg .edge{stroke:#888;stroke-width:1.5}
`;
