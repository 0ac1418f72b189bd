import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { atLeast } from '../../src/core/severity.js';
import { bufferSource } from '../../src/core/source.js';
import { looksLikeOnnx, onnxScanner } from '../../src/formats/onnx/index.js';
import { DEFAULT_LIMITS, type ScanContext } from '../../src/formats/types.js';
import { build, expectations } from '../../scripts/fixtures/onnx.js';

const COMMITTED = fileURLToPath(new URL('../../fixtures/models/onnx/', import.meta.url));
const BUILT = mkdtempSync(join(tmpdir(), 'modelscan-onnx-fx-'));
beforeAll(() => build(BUILT));

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const abs = join(dir, name);
      return statSync(abs).isDirectory() ? listFiles(abs) : [abs];
    });
}

/** Scans a fixture as the target walker would: a folder target roots at the folder, a file at its parent. */
async function scanFixture(path: string) {
  const target = join(BUILT, path);
  const folder = statSync(target).isDirectory();
  const root = folder ? target : dirname(target);
  const file = folder ? join(target, 'model.onnx') : target;
  const bytes = readFileSync(file);
  const ctx: ScanContext = {
    file: relative(root, file),
    location: [],
    depth: 0,
    limits: DEFAULT_LIMITS,
    disk: { absPath: file, root },
    scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
  };
  return { report: await onnxScanner.scan(bufferSource(bytes, ctx.file), ctx), sniffed: looksLikeOnnx(bytes.subarray(0, 4096), bytes.length) };
}

describe('fixtures/onnx expectations, checked against the ONNX scanner alone', () => {
  it.each(expectations.map((e) => [e.path, e] as const))('%s', async (path, expectation) => {
    const { report, sniffed } = await scanFixture(path);
    expect(sniffed).toBe(true);
    const codes = report.findings.map((f) => f.code);
    for (const code of expectation.mustInclude) expect(codes, expectation.why).toContain(code);
    const deny = report.findings.some((f) => atLeast(f.severity, 'medium'));
    expect(deny ? 'DENY' : 'APPROVE', `${expectation.why}: ${codes.join(', ')}`).toBe(expectation.verdict);
  });

  it('builds byte-identical files every time', async () => {
    const again = mkdtempSync(join(tmpdir(), 'modelscan-onnx-fx2-'));
    await build(again);
    const a = listFiles(join(BUILT, 'onnx'));
    const b = listFiles(join(again, 'onnx'));
    expect(a.map((f) => relative(BUILT, f))).toEqual(b.map((f) => relative(again, f)));
    for (const [i, file] of a.entries()) expect(readFileSync(file).equals(readFileSync(b[i]!)), file).toBe(true);
  });

  it('matches the committed fixtures/models/onnx when they exist', () => {
    expect(existsSync(COMMITTED), 'fixtures/models/onnx missing: run npm run fixtures').toBe(true);
    for (const file of listFiles(join(BUILT, 'onnx'))) {
      const rel = relative(join(BUILT, 'onnx'), file);
      expect(readFileSync(join(COMMITTED, rel)).equals(readFileSync(file)), `${rel} is stale: run npm run fixtures`).toBe(true);
    }
  });
});
