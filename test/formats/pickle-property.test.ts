import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../../scripts/fixtures/pickle.js';
import { PICKLE_CODES, isTorchLegacyMagic, looksLikePickle, pickleScanner, scanPickles } from '../../src/formats/pickle/index.js';
import { bufferSource } from '../../src/core/source.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';

const limits = { ...DEFAULT_LIMITS, maxPickleOps: 200_000 };

function context(depth = 0): ScanContext {
  return {
    file: 'fuzz.pkl',
    location: [],
    depth,
    limits,
    async scanNested(source): Promise<FormatReport> {
      if (depth >= 2) return { format: 'unknown', facts: {}, findings: [], children: [] };
      const scan = await scanPickles(await source.read(0, source.size), context(depth + 1));
      return { format: 'pickle', facts: {}, findings: scan.findings, children: scan.children };
    },
  };
}

const seeds = [...fixtureBytes().values()];
const KNOWN = new Set(Object.keys(PICKLE_CODES));

/** Byte-level mutations of valid fixtures: flips, insertions, deletions, truncation. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([seed, edits, cut]) => {
    const bytes = [...seed];
    for (const [at, value, kind] of edits) {
      const i = at % (bytes.length + 1);
      if (kind === 'set' && i < bytes.length) bytes[i] = value;
      else if (kind === 'insert') bytes.splice(i, 0, value);
      else bytes.splice(i, 1);
    }
    const out = Uint8Array.from(bytes);
    return cut === undefined ? out : out.subarray(0, cut % (out.length + 1));
  });

async function checkScan(bytes: Uint8Array): Promise<void> {
  const started = performance.now();
  const scan = await scanPickles(bytes, context());
  expect(performance.now() - started).toBeLessThan(2000);
  expect(scan.end).toBeGreaterThanOrEqual(0);
  expect(scan.end).toBeLessThanOrEqual(bytes.length);
  for (const f of scan.findings) expect(KNOWN.has(f.code), f.code).toBe(true);
  // Fail closed: a stream that did not analyse completely always carries a high or critical finding.
  if (!scan.complete) expect(scan.findings.some((f) => f.severity === 'high' || f.severity === 'critical')).toBe(true);
  expect(() => JSON.stringify(scan.facts)).not.toThrow();
  looksLikePickle(bytes.subarray(0, 4096));
  isTorchLegacyMagic(bytes.subarray(0, 4096));
}

describe('pickle analyser properties', () => {
  it('random bytes never throw, never hang, fail closed', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), checkScan), { numRuns: 300, seed: 1 });
  });

  it('random opcode soups never throw', async () => {
    const opcodeBytes = fc.array(fc.constantFrom(0x28, 0x2e, 0x30, 0x31, 0x32, 0x4b, 0x4e, 0x52, 0x61, 0x62, 0x65, 0x68, 0x71, 0x73, 0x74, 0x75, 0x5d, 0x7d, 0x29, 0x81, 0x85, 0x86, 0x87, 0x88, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98, 0x8c, 0x03, 0x61, 0x62, 0x63), { maxLength: 400 });
    await fc.assert(fc.asyncProperty(opcodeBytes, (ops) => checkScan(Uint8Array.from([0x80, 0x04, ...ops]))), { numRuns: 400, seed: 2 });
  });

  it('mutations of valid fixtures never throw, never hang, fail closed', async () => {
    await fc.assert(fc.asyncProperty(mutated, checkScan), { numRuns: 400, seed: 3 });
  });

  it('the format scanner always returns a pickle FormatReport', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (bytes) => {
        const report = await pickleScanner.scan(bufferSource(bytes, 'x'), context());
        expect(report.format).toBe('pickle');
        expect(Array.isArray(report.findings)).toBe(true);
      }),
      { numRuns: 200, seed: 4 },
    );
  });

  it('an oversized source is refused without analysis', async () => {
    const report = await pickleScanner.scan(bufferSource(new Uint8Array(64), 'big'), { ...context(), limits: { ...limits, maxPickleBytes: 10 } });
    expect(report.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_TOO_LARGE', 'high']]);
  });
});
