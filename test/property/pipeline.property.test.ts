import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { codeInfo } from '../../src/codes.js';
import { createRootContext, scanSource } from '../../src/formats/dispatch.js';
import type { FormatReport } from '../../src/formats/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/models/', import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const abs = join(dir, name);
    return statSync(abs).isDirectory() ? listFiles(abs) : [abs];
  });
}

/** One valid sample of each format family, to mutate. */
const SEEDS = listFiles(FIXTURES)
  .filter((f) => !f.endsWith('SHA256SUMS'))
  .filter((_f, i) => i % 3 === 0)
  .map((f) => ({ name: relative(FIXTURES, f), bytes: readFileSync(f) }))
  .filter((s) => s.bytes.length <= 256 * 1024);

function allFindings(report: FormatReport): Array<{ code: string }> {
  return [...report.findings, ...report.children.flatMap((c) => allFindings(c.report))];
}

async function scanBytes(bytes: Uint8Array, name: string): Promise<FormatReport> {
  const ctx = createRootContext(name, { limits: { maxPickleOps: 200_000, maxInflateBytes: 16 * 1024 * 1024 } });
  return scanSource(bufferSource(bytes, name), ctx, name);
}

describe('property: the whole formats stage on hostile bytes', () => {
  it('has seeds from every fixture group', () => {
    const groups = new Set(SEEDS.map((s) => s.name.split('/')[0]));
    expect(groups.size).toBeGreaterThanOrEqual(8);
  });

  it('random bytes: a report, never a throw, and every code registered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom('model.bin', 'model.safetensors', 'x.pkl', 'model.onnx', 'a.npy', 'README.md'), async (bytes, name) => {
        const report = await scanBytes(bytes, name);
        expect(typeof report.format).toBe('string');
        for (const f of allFindings(report)) expect(codeInfo(f.code), f.code).toBeDefined();
        expect(allFindings(report).filter((f) => f.code === 'SCANNER_CRASHED')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated fixtures (byte flips, truncation, splices): a report, never a throw', async () => {
    const seed = fc.constantFrom(...SEEDS);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    );
    await fc.assert(
      fc.asyncProperty(seed, fc.array(mutation, { minLength: 1, maxLength: 4 }), async (s, mutations) => {
        let bytes = Buffer.from(s.bytes);
        for (const m of mutations) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length;
          if (m.kind === 'flip' && bytes.length > 0) bytes[at] = m.value;
          else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
          else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.data), bytes.subarray(at)]);
        }
        const report = await scanBytes(bytes, s.name);
        for (const f of allFindings(report)) expect(codeInfo(f.code), f.code).toBeDefined();
        // A parser that throws is a bug even though dispatch contains it.
        expect(allFindings(report).filter((f) => f.code === 'SCANNER_CRASHED')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
