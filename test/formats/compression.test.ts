import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource, openFileSource } from '../../src/core/source.js';
import { compressionScanners } from '../../src/formats/compression/index.js';
import { lz4StoredFrame, PAYLOAD_BZ2, PAYLOAD_XZ } from '../../scripts/fixtures/archives.js';
import { maliciousPickle } from '../../scripts/fixtures/torch.js';
import { codes, realModels, testContext } from './zip-helpers.js';

const payload = maliciousPickle(2);
type Kind = keyof typeof compressionScanners;

async function scan(kind: Kind, bytes: Uint8Array, limits = {}) {
  const ctx = testContext({ limits });
  const report = await compressionScanners[kind].scan(bufferSource(bytes, 'x'), ctx);
  return { report, ctx };
}

/** A real LZ4 block: 'abc' literals then a match of 9 at offset 3, then 'end' literals. */
const lz4Compressed = (() => {
  const block = Buffer.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x30, 0x65, 0x6e, 0x64]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.length);
  return Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]), size, block, Buffer.alloc(4)]);
})();

describe('compression wrappers', () => {
  const wrapped: Array<[Kind, Uint8Array]> = [
    ['gzip', gzipSync(payload)],
    ['zlib', deflateSync(payload)],
    ['bzip2', PAYLOAD_BZ2],
    ['xz', PAYLOAD_XZ],
    ['lz4', lz4StoredFrame(payload)],
  ];
  for (const [kind, bytes] of wrapped) {
    it(`${kind}: decompresses and scans the body`, async () => {
      const { report, ctx } = await scan(kind, bytes);
      expect(report.format).toBe(kind);
      expect(codes(report)).toEqual([]);
      expect(report.facts).toMatchObject({ decompressedBytes: payload.length, complete: true });
      expect(ctx.calls[0]).toMatchObject({ label: `<${kind}>`, size: payload.length });
      expect(ctx.calls[0]?.head).toBe(payload.toString('latin1'));
    });

    it(`${kind}: a truncated stream is a high finding`, async () => {
      const { report } = await scan(kind, bytes.subarray(0, Math.max(8, bytes.length - 6)));
      expect(report.findings.map((f) => [f.code, f.severity])).toContainEqual(['COMPRESSION_CORRUPT', 'high']);
    });
  }

  it('lz4: decodes overlapping matches', async () => {
    const { ctx } = await scan('lz4', lz4Compressed);
    expect(ctx.calls[0]?.head).toBe('abcabcabcabcend');
  });

  it('gzip: concatenated members and trailing junk are reported and both scanned', async () => {
    const { report, ctx } = await scan('gzip', Buffer.concat([gzipSync('hello '), gzipSync('world'), Buffer.from('junk')]));
    expect(codes(report)).toEqual(['COMPRESSION_MULTI_MEMBER', 'COMPRESSION_TRAILING_DATA']);
    expect(ctx.calls.map((c) => c.head)).toEqual(['hello world', 'junk']);
  });

  it('gzip: a wrong CRC in the trailer is corrupt', async () => {
    const bytes = gzipSync(payload);
    bytes.writeUInt32LE(0, bytes.length - 8);
    expect(codes((await scan('gzip', bytes)).report)).toContain('COMPRESSION_CORRUPT');
  });

  it('zlib: bad header check bits are corrupt', async () => {
    const bytes = deflateSync(payload);
    bytes[1] = (bytes[1] as number) ^ 1;
    expect(codes((await scan('zlib', bytes)).report)).toContain('COMPRESSION_CORRUPT');
  });

  it('a bomb stops at the ratio cap with a high finding', async () => {
    const { report } = await scan('gzip', gzipSync(Buffer.alloc(40 * 1024 * 1024)));
    expect(report.findings.map((f) => [f.code, f.severity])).toContainEqual(['COMPRESSION_BOMB', 'high']);
    expect((report.facts as { decompressedBytes: number }).decompressedBytes).toBe(16 * 1024 * 1024);
  });

  it('stops at limits.maxInflateBytes', async () => {
    const { report } = await scan('zlib', deflateSync(Buffer.alloc(100_000, 1)), { maxInflateBytes: 1000 });
    expect(codes(report)).toContain('COMPRESSION_LIMIT');
  });

  for (const [file, kind] of [
    ['python3-joblib/joblib_0.11.0_pickle_py36_np111.pkl.gzip', 'gzip'],
    ['python3-joblib/joblib_0.11.0_pickle_py36_np111.pkl.xz', 'xz'],
  ] as const) {
    it(`real model ${file} decompresses fully`, async () => {
      const source = await openFileSource(new URL(file, realModels).pathname, file);
      try {
        const ctx = testContext();
        const report = await compressionScanners[kind].scan(source, ctx);
        expect(codes(report)).toEqual([]);
        expect(report.facts).toMatchObject({ decompressedBytes: 1068, complete: true });
        expect(ctx.calls[0]?.head.slice(0, 2)).toBe('\x80\x03');
      } finally {
        await source.close();
      }
    });
  }

  it('random bytes and mutations never throw', async () => {
    const kinds = Object.keys(compressionScanners) as Kind[];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...wrapped),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat({ max: 200 }),
        fc.constantFrom(...kinds),
        async ([, base], noise, at, kind) => {
          const bytes = Buffer.from(base);
          noise.forEach((b, i) => {
            if (at + i < bytes.length) bytes[at + i] = b;
          });
          const { report } = await scan(kind, bytes);
          expect(report.format).toBe(kind);
        },
      ),
      { numRuns: 250 },
    );
  });
});
