import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { tarScanner, type TarFacts } from '../../src/formats/tar/index.js';
import type { FormatReport } from '../../src/formats/types.js';
import { buildTar, paxRecords } from '../../scripts/fixtures/lib/tar-writer.js';
import { maliciousPickle } from '../../scripts/fixtures/torch.js';
import { codes, testContext } from './zip-helpers.js';

async function scan(bytes: Uint8Array) {
  const ctx = testContext();
  const report = (await tarScanner.scan(bufferSource(bytes, 't.tar'), ctx)) as FormatReport<TarFacts>;
  return { report, ctx };
}

describe('tar reader', () => {
  it('scans every regular member through scanNested', async () => {
    const { report, ctx } = await scan(buildTar([{ name: 'dir', type: '5' }, { name: 'dir/a.pkl', data: maliciousPickle(2) }, { name: 'b.txt', data: 'hi' }]));
    expect(report.format).toBe('tar');
    expect(codes(report)).toEqual([]);
    expect(ctx.calls.map((c) => [c.label, c.size])).toEqual([['dir/a.pkl', maliciousPickle(2).length], ['b.txt', 2]]);
  });

  it('flags links, special entries and hostile names', async () => {
    const { report } = await scan(
      buildTar([
        { name: 'link', type: '2', linkName: '/etc/passwd' },
        { name: 'hard', type: '1', linkName: 'link' },
        { name: 'fifo', type: '6' },
        { name: '../up', data: 'x' },
        { name: '/abs', data: 'x' },
        { name: 'dup', data: 'x' },
        { name: 'dup', data: 'y' },
      ]),
    );
    expect(codes(report)).toEqual(
      expect.arrayContaining(['TAR_LINK_ENTRY', 'TAR_SPECIAL_ENTRY', 'TAR_PATH_TRAVERSAL', 'TAR_ABSOLUTE_PATH', 'TAR_DUPLICATE_NAME']),
    );
    expect(report.findings.filter((f) => f.code === 'TAR_LINK_ENTRY')).toHaveLength(2);
  });

  it('stops at a bad checksum, a truncated member and reports a missing end marker', async () => {
    expect(codes((await scan(buildTar([{ name: 'a', data: 'x', checksum: 1 }]))).report)).toEqual(['TAR_BAD_CHECKSUM']);
    const whole = buildTar([{ name: 'a', data: Buffer.alloc(2000, 1) }]);
    expect(codes((await scan(whole.subarray(0, 1200))).report)).toEqual(['TAR_TRUNCATED']);
    expect(codes((await scan(buildTar([{ name: 'a', data: 'x' }], { endBlocks: 0 }))).report)).toEqual(['TAR_NO_END_MARKER']);
  });

  it('reports and scans data hidden after the end marker', async () => {
    const { report, ctx } = await scan(buildTar([{ name: 'a', data: 'x' }], { trailing: maliciousPickle(2) }));
    expect(codes(report)).toEqual(['TAR_TRAILING_DATA']);
    expect(ctx.calls.map((c) => c.label)).toEqual(['a', '<trailing>']);
  });

  it('applies pax path and size records', async () => {
    const long = `${'d/'.repeat(80)}model.pkl`;
    const { ctx } = await scan(buildTar([{ name: 'PaxHeader', type: 'x', data: paxRecords({ path: long }) }, { name: 'short', data: 'abc' }]));
    expect(ctx.calls.map((c) => c.label)).toEqual([long]);
    const bad = await scan(buildTar([{ name: 'PaxHeader', type: 'x', data: '99 path=x\n' }, { name: 'short', data: 'abc' }]));
    expect(codes(bad.report)).toEqual(['TAR_BAD_PAX']);
  });

  it('classifies torch legacy tar checkpoints', async () => {
    const tar = buildTar(['sys_info', 'pickle', 'storages', 'tensors'].map((name) => ({ name, data: 'x' })));
    const { report } = await scan(tar);
    expect(report.format).toBe('pytorch-tar');
  });

  it('random bytes and mutations never throw', async () => {
    const base = buildTar([{ name: 'a.pkl', data: maliciousPickle(2) }, { name: 'b', data: Buffer.alloc(700, 3) }]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.uint8Array({ maxLength: 1100 }), async (edits, random) => {
        const bytes = Buffer.from(base);
        for (const [at, v] of edits) bytes[at] = v;
        expect(['tar', 'pytorch-tar']).toContain((await scan(bytes)).report.format);
        expect((await scan(random)).report.format).toBe('tar');
      }),
      { numRuns: 250 },
    );
  });
});
