import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atLeast } from '../../src/core/severity.js';
import { bufferSource } from '../../src/core/source.js';
import { looksLikeOnnx, onnxScanner, type OnnxFacts } from '../../src/formats/onnx/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';
import { classifierGraph, classifierModel, customOpModel, ifHiddenCustomOpModel } from '../../scripts/fixtures/onnx.js';
import { concat, fMessage, tag, varint } from '../../scripts/fixtures/lib/onnx-writer.js';

const ctx: ScanContext = {
  file: 'fuzz.onnx',
  location: [],
  depth: 0,
  limits: { ...DEFAULT_LIMITS, maxHeaderBytes: 1024 * 1024 },
  scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
};

async function scan(bytes: Uint8Array): Promise<FormatReport<OnnxFacts>> {
  const report = await onnxScanner.scan(bufferSource(bytes, 'fuzz.onnx'), ctx);
  expect(report.format).toBe('onnx');
  expect(Array.isArray(report.findings)).toBe(true);
  return report;
}

const hasHigh = (r: FormatReport<object>) => r.findings.some((f) => atLeast(f.severity, 'high'));
const seeds = [classifierModel(), customOpModel(), ifHiddenCustomOpModel()];

/** Byte-level mutations: overwrite, insert, delete, each at a random place. */
const mutation = fc.tuple(
  fc.constantFrom(0, 1, 2),
  fc.constantFrom('set', 'insert', 'delete'),
  fc.nat(),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

function mutate(seed: Uint8Array, [, kind, at, bytes]: [number, string, number, Uint8Array]): Uint8Array {
  const pos = at % (seed.length + 1);
  const out = Buffer.from(seed);
  if (kind === 'set') {
    for (let i = 0; i < bytes.length && pos + i < out.length; i++) out[pos + i] = bytes[i]!;
    return out;
  }
  if (kind === 'insert') return Buffer.concat([out.subarray(0, pos), bytes, out.subarray(pos)]);
  return Buffer.concat([out.subarray(0, pos), out.subarray(Math.min(out.length, pos + bytes.length))]);
}

describe('onnx scanner properties', () => {
  it('random bytes never throw; any report without a high finding has an ir_version', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const r = await scan(bytes);
        expect(hasHigh(r) || r.facts.irVersion !== null).toBe(true);
        looksLikeOnnx(bytes, bytes.length);
      }),
      { numRuns: 400 },
    );
  });

  it('every truncation inside the graph is reported as ONNX_TRUNCATED', async () => {
    const full = classifierModel();
    const graphField = fMessage(7, classifierGraph());
    const start = Buffer.from(full).indexOf(Buffer.from(graphField));
    expect(start).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: start + 1, max: start + graphField.length - 1 }), async (cut) => {
        const r = await scan(full.subarray(0, cut));
        expect(r.findings.map((f) => f.code)).toContain('ONNX_TRUNCATED');
        expect(looksLikeOnnx(full.subarray(0, cut), cut)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('mutations of valid models never throw, and a surviving custom op is still reported', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const seedIndex = mutations[0]![0];
        let bytes: Uint8Array = seeds[seedIndex]!;
        for (const m of mutations) bytes = mutate(bytes, m);
        const r = await scan(bytes);
        if (seedIndex > 0 && !hasHigh(r) && Buffer.from(bytes).includes(Buffer.from('com.evil'))) {
          // Either the custom op is still a node (and reported) or the mutation turned it into something inert.
          const stillNode = Object.keys(r.facts.opHistogram).some((k) => k.startsWith('com.evil::'));
          if (stillNode) expect(r.findings.map((f) => f.code)).toContain('ONNX_CUSTOM_OP');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('streams of well-formed but random protobuf fields never throw', async () => {
    const field = fc.tuple(fc.integer({ min: 1, max: 30 }), fc.constantFrom(0, 1, 2, 5), fc.uint8Array({ maxLength: 24 }));
    await fc.assert(
      fc.asyncProperty(fc.array(field, { maxLength: 30 }), async (fields) => {
        const parts: Uint8Array[] = [];
        for (const [number, wire, payload] of fields) {
          parts.push(tag(number, wire));
          if (wire === 0) parts.push(varint(payload[0] ?? 0));
          else if (wire === 1) parts.push(Uint8Array.from({ length: 8 }, (_, i) => payload[i] ?? 0));
          else if (wire === 5) parts.push(Uint8Array.from({ length: 4 }, (_, i) => payload[i] ?? 0));
          else parts.push(varint(payload.length), payload);
        }
        await scan(concat(...parts));
      }),
      { numRuns: 300 },
    );
  });
});
