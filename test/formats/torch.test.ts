import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atLeast } from '../../src/core/severity.js';
import { bufferSource, openFileSource } from '../../src/core/source.js';
import { createRootContext, scanSource } from '../../src/formats/dispatch.js';
import type { PickleFacts } from '../../src/formats/pickle/facts.js';
import { torchLegacyScanner, type TorchLegacyFacts } from '../../src/formats/torch/legacy.js';
import { checkTorchZip } from '../../src/formats/torch/zip-checks.js';
import { detectTorchLayout } from '../../src/formats/torch/zip-layout.js';
import { storageElementSize } from '../../src/formats/torch/storage-types.js';
import type { FormatReport } from '../../src/formats/types.js';
import * as archives from '../../scripts/fixtures/archives.js';
import * as torch from '../../scripts/fixtures/torch.js';
import { allCodes, codes, realModels, testContext } from './zip-helpers.js';

async function legacy(bytes: Uint8Array) {
  return (await torchLegacyScanner.scan(bufferSource(bytes, 'l.pt'), testContext())) as FormatReport<TorchLegacyFacts>;
}

describe('legacy torch.save (5 pickles + raw storages)', () => {
  it('parses a clean file and covers the raw region exactly', async () => {
    const bytes = torch.legacyTorch();
    const report = await legacy(bytes);
    expect(codes(report)).toEqual([]);
    expect(report.facts).toMatchObject({ magicLiteral: true, protocolVersion: 1001, storageKeys: 2, dataEnd: bytes.length });
    expect(report.facts.pickles.map((p) => p.name)).toEqual(['magic number', 'protocol version', 'sys_info', 'main', 'storage keys']);
  });

  it('#11 a magic number produced by a call is critical', async () => {
    const report = await legacy(torch.legacyTorch({ magicViaCall: true }));
    const finding = report.findings.find((f) => f.code === 'TORCH_LEGACY_MAGIC_NOT_LITERAL');
    expect(finding?.severity).toBe('critical');
    expect(finding?.evidence).toMatchObject({ calls: expect.arrayContaining(['builtins.eval']) });
  });

  it('#12 #13 payloads in main, sys_info and keys pickles are all analysed', async () => {
    expect(allCodes(await legacy(torch.legacyTorch({ payloadIn: 'main' })))).toContain('PICKLE_DENIED_GLOBAL');
    expect(allCodes(await legacy(torch.legacyTorch({ payloadIn: 'sys_info' })))).toEqual(expect.arrayContaining(['PICKLE_DENIED_GLOBAL', 'TORCH_LEGACY_BAD_SYS_INFO']));
    expect(allCodes(await legacy(torch.legacyTorch({ payloadIn: 'keys' })))).toEqual(expect.arrayContaining(['PICKLE_DENIED_GLOBAL', 'TORCH_LEGACY_BAD_KEYS']));
  });

  it('flags a count that disagrees with the declared numel, truncation and trailing bytes', async () => {
    const mismatch = await legacy(torch.legacyTorch({ writtenNumel: (t) => t.numel + 1 }));
    expect(codes(mismatch)).toContain('TORCH_LEGACY_STORAGE_MISMATCH');
    const whole = torch.legacyTorch();
    expect(codes(await legacy(whole.subarray(0, whole.length - 3)))).toContain('TORCH_LEGACY_TRUNCATED');
    const trailing = await legacy(torch.legacyTorch({ trailing: torch.maliciousPickle(2) }));
    expect(codes(trailing)).toContain('TORCH_LEGACY_TRAILING_DATA');
    expect(allCodes(trailing)).toContain('PICKLE_DENIED_GLOBAL');
  });

  it('flags a file that is not the legacy layout', async () => {
    expect(codes(await legacy(torch.maliciousPickle(2)))).toEqual(expect.arrayContaining(['TORCH_LEGACY_MAGIC_NOT_LITERAL', 'TORCH_LEGACY_TRUNCATED']));
    const literal = Buffer.from([0x80, 0x02, 0x4b, 0x05, 0x2e]);
    expect(codes(await legacy(literal))).toEqual(expect.arrayContaining(['TORCH_LEGACY_BAD_MAGIC', 'TORCH_LEGACY_TRUNCATED']));
  });

  for (const [file, keys, modules] of [
    ['golang-github-nlpodyssey-gopickle-dev/tensor_float32_proto2.pt', 1, 0],
    ['lammps-examples/relu1hidden.mliap.pytorch.model.pt', 4, 5],
  ] as const) {
    it(`real model ${file} parses fully`, async () => {
      const source = await openFileSource(new URL(file, realModels).pathname, file);
      try {
        const report = (await torchLegacyScanner.scan(source, testContext())) as FormatReport<TorchLegacyFacts>;
        expect(report.findings.filter((f) => atLeast(f.severity, 'high'))).toEqual([]);
        expect(report.facts).toMatchObject({ magicLiteral: true, storageKeys: keys, modules, dataEnd: source.size });
      } finally {
        await source.close();
      }
    });
  }

  it('mutations never throw', async () => {
    const base = torch.legacyTorch({ payloadIn: 'main' });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat({ max: base.length }), async (edits, cut) => {
        const bytes = Buffer.from(base.subarray(0, cut));
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        expect((await legacy(bytes)).format).toBe('pytorch-legacy');
      }),
      { numRuns: 200 },
    );
  });
});

describe('torch zip cross-checks', () => {
  const facts = (persistentIds: PickleFacts['persistentIds']): PickleFacts => ({ pickles: [], imports: [], calls: [], persistentIds, end: 0 });
  const run = (ids: PickleFacts['persistentIds'], members: Array<{ name: string; size: number }>) =>
    checkTorchZip(
      {
        layout: detectTorchLayout(members.map((m) => m.name))!,
        members,
        pickles: new Map([['data.pkl', facts(ids)]]),
        readText: async (record) => (record === 'version' ? '3' : undefined),
      },
      testContext(),
    );

  it('needs numel × element size bytes per storage', async () => {
    const members = [{ name: 'a/data.pkl', size: 10 }, { name: 'a/data/0', size: 8 }, { name: 'a/data/1', size: 64 }, { name: 'a/version', size: 1 }];
    const result = await run(
      [
        ['storage', { global: 'torch.DoubleStorage' }, '0', 'cpu', 2],
        ['storage', { global: 'torch.HalfStorage' }, '1', 'cpu', 4],
        ['storage', { global: 'torch.EvilStorage' }, '0', 'cpu', 1],
        ['storage', { global: 'torch.FloatStorage' }, '7', 'cpu', 1],
        ['module', { global: 'x.Y' }, 'f.py', 'src'],
        'not-a-tuple',
      ],
      members,
    );
    const found = result.findings.map((f) => [f.code, f.evidence['entry'] ?? f.evidence['key']]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['TORCH_STORAGE_TOO_SMALL', 'a/data/0'],
        ['TORCH_STORAGE_OVERSIZED', 'a/data/1'],
        ['TORCH_UNKNOWN_STORAGE_TYPE', '0'],
        ['TORCH_MISSING_RECORD', '7'],
      ]),
    );
    expect(codes(result)).toContain('TORCH_BAD_PERSISTENT_ID');
    expect([...result.referenced].sort()).toEqual(['a/data/0', 'a/data/1']);
  });

  it('knows torch element sizes', () => {
    expect(storageElementSize('torch.BFloat16Storage')).toBe(2);
    expect(storageElementSize('torch.cuda.LongStorage')).toBe(8);
    expect(storageElementSize('os.system')).toBeUndefined();
  });
});

describe('fixtures through the full dispatcher', async () => {
  const expectations = [...torch.expectations, ...archives.expectations];
  for (const expectation of expectations) {
    it(`${expectation.path}: ${expectation.why}`, async () => {
      const bytes = await readFile(new URL(`../../fixtures/models/${expectation.path}`, import.meta.url));
      const ctx = createRootContext(expectation.path);
      const report = await scanSource(bufferSource(bytes, expectation.path), ctx, expectation.path);
      expect(report.format).toBe(expectation.format);
      const all = collect(report);
      expect(all.map((f) => f.code)).toEqual(expect.arrayContaining(expectation.mustInclude));
      const denied = all.some((f) => atLeast(f.severity, 'medium'));
      expect(denied).toBe(expectation.verdict === 'DENY');
    });
  }
});

function collect(report: FormatReport): FormatReport['findings'] {
  return [...report.findings, ...report.children.flatMap((c) => collect(c.report))];
}
