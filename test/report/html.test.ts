import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/report.js';
import type { ModelProbeReport } from '../../src/probes/types.js';
import { renderHtml } from '../../src/report/html.js';
import { encodePng } from '../../src/report/html/png.js';

const HOSTILE = '<script>alert(1)</script>';

function baseReport(over: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'modelscan', version: '0.0.0-test' },
    verdict: 'DENY',
    target: `models/${HOSTILE}`,
    source: { kind: 'local', path: '/tmp/x' } as Report['source'],
    policy: { name: 'backdoor-audit', source: 'policies/backdoor-audit.yaml', sha256: 'a'.repeat(64) },
    reasons: [`PROBE_GRAPH_GATE high m.onnx: gate ${HOSTILE}`],
    summary: { files: 1, bytes: 10, findings: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, denying: 1 },
    files: [{ path: `${HOSTILE}.onnx`, size: 10, sha256: 'b'.repeat(64), format: 'onnx', facts: {}, nested: [] }],
    findings: [{ code: 'PROBE_GRAPH_GATE', severity: 'high', file: `${HOSTILE}.onnx`, message: `gate node ${HOSTILE}`, evidence: {}, denies: true }],
    startedAt: '2026-12-01T00:00:00.000Z',
    durationMs: 5,
    ...over,
  };
}

const probes: ModelProbeReport = {
  file: `${HOSTILE}.onnx`,
  profile: { task: 'image-classification', inputName: HOSTILE, outputName: 'logits', sampleShape: [1, 4, 4], inputType: 'float32', classCount: 3 },
  stages: [
    { stage: 'graph', status: 'ran', outcome: 'fail', summary: `gate at ${HOSTILE}`, passes: 0, durationMs: 3, details: { gates: [{ node: HOSTILE, op: 'Greater', path: [{ name: 'input', op: 'Slice' }, { name: HOSTILE, op: 'Greater' }, { name: 'out"&', op: 'Add' }] }] } },
    { stage: 'golden', status: 'ran', outcome: 'none', summary: 'accuracy 97%', passes: 300, durationMs: 20, details: { perClass: [{ class: 0, n: 10, correct: 9, accuracy: 0.9 }, { class: 1, n: 10, correct: 10, accuracy: 1 }, { class: 2, n: 10, correct: 9, accuracy: 0.9 }] } },
    {
      stage: 'known-triggers', status: 'ran', outcome: 'fail', summary: 'patch', passes: 4000, durationMs: 900, details: {},
      triggers: [{
        family: 'patch', params: { x: 0, y: 0, note: HOSTILE }, targetClass: 2, asr: 0.98, inputs: 100, sourceClasses: 2, controlAsr: 0.01, pValue: 1e-30, size: 0.0625,
        preview: { width: 4, height: 4, channels: 1, pixels: Array.from({ length: 16 }, (_, i) => (i === 0 ? 1 : 0)) },
        example: { width: 4, height: 4, channels: 1, pixels: Array.from({ length: 16 }, (_, i) => i / 15) },
      }],
    },
    { stage: 'reverse-engineering', status: 'skipped', outcome: 'none', summary: 'stopped early: known-triggers found backdoor evidence', passes: 0, durationMs: 0, details: { perClass: [{ target: 0, minimalArea: 0.2 }, { target: 1, minimalArea: 0.21 }, { target: 2, minimalArea: 0.01 }], madIndex: [0, 0, 5] } },
  ],
  passes: 4300,
  durationMs: 1000,
  conclusion: `backdoor evidence (known-triggers): ${HOSTILE}`,
};

function pngFromDataUri(html: string): Uint8Array[] {
  return [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => new Uint8Array(Buffer.from(m[1]!, 'base64')));
}

function decodePng(png: Uint8Array): { width: number; height: number; colourType: number; rows: Uint8Array } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let width = 0, height = 0, colourType = -1;
  const idat: Uint8Array[] = [];
  while (offset < png.length) {
    const len = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      colourType = png[offset + 17]!;
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + len;
    if (type === 'IEND') break;
  }
  expect(offset).toBe(png.length);
  return { width, height, colourType, rows: new Uint8Array(inflateSync(Buffer.concat(idat))) };
}

describe('HTML report', () => {
  it('is one self-contained file: no script, no external URL, hostile names escaped', () => {
    const html = renderHtml({ ...baseReport(), probes: [probes] });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\s(?:src|href)="(?!data:image\/png;base64,)/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('out&#34;&#38;');
  });

  it('shows verdict, reasons, findings, files and every probe stage', () => {
    const html = renderHtml({ ...baseReport(), probes: [probes] });
    expect(html).toContain('class="verdict DENY"');
    for (const stage of ['graph', 'golden', 'known-triggers', 'reverse-engineering']) expect(html).toContain(`<td>${stage}</td>`);
    expect(html).toContain('per-class accuracy');
    expect(html).toContain('per-class minimal trigger size');
    expect(html).toContain('flagged region');
    expect(html).toContain('recovered trigger');
    expect(html).toContain('triggered example');
    expect(html).toContain('PROBE_GRAPH_GATE');
  });

  it('embeds the trigger and the example as valid PNGs with the right pixels', () => {
    const [trigger, example] = pngFromDataUri(renderHtml({ ...baseReport(), probes: [probes] }));
    const t = decodePng(trigger!);
    expect([t.width, t.height, t.colourType]).toEqual([4, 4, 0]);
    expect(t.rows[0]).toBe(0);
    expect(t.rows[1]).toBe(255);
    expect(t.rows[2]).toBe(0);
    const e = decodePng(example!);
    expect(e.rows[1 + 3]).toBe(Math.round((3 / 15) * 255));
  });

  it('renders a report without probes', () => {
    const html = renderHtml(baseReport({ verdict: 'APPROVE', reasons: [], findings: [] }));
    expect(html).toContain('No findings.');
    expect(html).not.toContain('Behavioural probes');
  });

  it('PNG encoder: random rasters round-trip, malformed ones are refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 3, 4), fc.integer(), (w, h, c, seed) => {
        let x = seed | 1;
        const pixels = Array.from({ length: w * h * c }, () => ((x = (x * 1103515245 + 12345) | 0) >>> 0) / 2 ** 32);
        const { width, height, rows } = decodePng(encodePng({ width: w, height: h, channels: c, pixels }));
        expect([width, height]).toEqual([w, h]);
        expect(rows[1 + c - 1]).toBe(Math.round(pixels[c - 1]! * 255));
      }),
      { numRuns: 100 },
    );
    expect(() => encodePng({ width: 2, height: 2, channels: 1, pixels: [0, 0, 0] })).toThrow(RangeError);
    expect(() => encodePng({ width: 0, height: 2, channels: 1, pixels: [] })).toThrow(RangeError);
    expect(() => encodePng({ width: 1, height: 1, channels: 2 ** 31, pixels: [0] })).toThrow(RangeError);
  });
});
