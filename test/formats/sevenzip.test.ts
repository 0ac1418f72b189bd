import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { sevenZipScanner, parseSignatureHeader, type SevenZipFacts } from '../../src/formats/sevenzip/index.js';
import type { FormatReport } from '../../src/formats/types.js';
import { fixtures } from '../../scripts/fixtures/archives.js';
import { maliciousPickle } from '../../scripts/fixtures/torch.js';
import { codes, testContext } from './zip-helpers.js';

async function scan(bytes: Uint8Array, limits = {}) {
  const ctx = testContext({ limits });
  const report = (await sevenZipScanner.scan(bufferSource(bytes, 'a.7z'), ctx)) as FormatReport<SevenZipFacts>;
  return { report, ctx };
}

describe('7z', async () => {
  const archive = (await fixtures())['payload.7z'] as Buffer;

  it('parses the signature header', () => {
    const header = parseSignatureHeader(archive, archive.length);
    expect(header.problems).toEqual([]);
    expect(header.version).toBe('0.4');
    expect(32 + header.nextHeaderOffset + header.nextHeaderSize).toBe(archive.length);
  });

  it('lists, extracts in memory and scans each member', async () => {
    const { report, ctx } = await scan(archive);
    expect(codes(report)).toEqual([]);
    expect(report.facts.extracted).toBe(true);
    expect(report.facts.entries).toEqual([{ name: 'payload.pkl', size: maliciousPickle(2).length, packedSize: expect.any(Number), kind: 'pickle' }]);
    expect(ctx.calls[0]?.head).toBe(maliciousPickle(2).toString('latin1'));
  });

  it('flags a corrupt start header and an unlistable archive', async () => {
    const bytes = Buffer.from(archive);
    bytes[14] = (bytes[14] as number) ^ 0xff;
    const { report } = await scan(bytes);
    expect(codes(report)).toEqual(expect.arrayContaining(['SEVENZIP_BAD_HEADER']));
    expect(report.findings.some((f) => f.code === 'SEVENZIP_UNSCANNABLE' || f.code === 'SEVENZIP_EXTRACT_FAILED')).toBe(true);
  });

  it('refuses to extract past the inflate limit', async () => {
    const { report, ctx } = await scan(archive, { maxInflateBytes: 10 });
    expect(codes(report)).toEqual(expect.arrayContaining(['SEVENZIP_UNSCANNABLE']));
    expect(ctx.calls).toEqual([]);
  });

  it('mutations never throw and never approve silently', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: archive.length - 1 }), fc.integer({ min: 0, max: 255 }), async (at, value) => {
        const bytes = Buffer.from(archive);
        bytes[at] = value;
        const { report } = await scan(bytes);
        expect(report.format).toBe('7z');
      }),
      { numRuns: 40 },
    );
  });
});
