import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource, openFileSource } from '../../src/core/source.js';
import { looksLikeSafetensors, safetensorsScanner, SAFETENSORS_DTYPE_BITS } from '../../src/formats/safetensors/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';
import { build, expectations, safetensorsFile } from '../../scripts/fixtures/safetensors.js';

const FIXTURES = new URL('../../fixtures/models/', import.meta.url);
const REAL = new URL('../../../shared/realmodels/', import.meta.url);

function testContext(): ScanContext {
  return {
    file: 'model.safetensors',
    location: [],
    depth: 0,
    limits: DEFAULT_LIMITS,
    scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
  };
}

async function scanBytes(bytes: Uint8Array) {
  return safetensorsScanner.scan(bufferSource(bytes, 'model.safetensors'), testContext());
}
const codes = (r: FormatReport<object>) => r.findings.map((f) => f.code);
const t = (dtype: string, shape: Array<number | string>, begin: number, end: number) =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

describe('safetensors scanner', () => {
  it('reads a valid file without findings and reports its facts', async () => {
    const r = await scanBytes(safetensorsFile(`{"__metadata__":{"format":"pt"},"b":${t('F32', [4], 0, 16)},"w":${t('BF16', [2, 3], 16, 28)}}`, 28));
    expect(r.findings).toEqual([]);
    expect(r.format).toBe('safetensors');
    expect(r.facts).toMatchObject({ tensorCount: 2, dtypes: { F32: 1, BF16: 1 }, metadata: { format: 'pt' }, totalParameters: 10 });
    expect(r.facts.headerLength % 8).toBe(0);
  });

  it('accepts tensors listed out of offset order, as the reference reader sorts them', async () => {
    const r = await scanBytes(safetensorsFile(`{"z":${t('U8', [4], 4, 8)},"a":${t('U8', [4], 0, 4)}}`, 8));
    expect(r.findings).toEqual([]);
  });

  it('accepts a header-only file with no tensors', async () => {
    const r = await scanBytes(safetensorsFile(`{}`));
    expect(r.findings).toEqual([]);
    expect(r.facts.tensorCount).toBe(0);
  });

  it('accepts __metadata__: null like serde Option', async () => {
    expect((await scanBytes(safetensorsFile(`{"__metadata__":null}`))).findings).toEqual([]);
  });

  it('flags a shape whose product overflows 64 bits', async () => {
    const r = await scanBytes(safetensorsFile(`{"a":${t('F32', [2 ** 40, 2 ** 40], 0, 4)}}`, 4));
    expect(codes(r)).toContain('SAFETENSORS_SIZE_OVERFLOW');
  });

  it('flags dims beyond u64 and sub-byte tensors that do not fill whole bytes', async () => {
    expect(codes(await scanBytes(safetensorsFile(`{"a":${t('U8', ['18446744073709551616'], 0, 4)}}`, 4)))).toContain('SAFETENSORS_SHAPE_INVALID');
    const r = await scanBytes(safetensorsFile(`{"a":${t('F4', [3], 0, 2)}}`, 2));
    expect(codes(r)).toContain('SAFETENSORS_SUBBYTE_MISALIGNED');
  });

  it('flags reversed data_offsets and a three-element offsets list', async () => {
    expect(codes(await scanBytes(safetensorsFile(`{"a":${t('U8', [0], 4, 0)}}`, 4)))).toContain('SAFETENSORS_OFFSETS_INVALID');
    const r = await scanBytes(safetensorsFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, 1));
    expect(codes(r)).toContain('SAFETENSORS_OFFSETS_INVALID');
  });

  it('flags leading whitespace and non-space padding but not trailing spaces', async () => {
    expect(codes(await scanBytes(safetensorsFile(` {}`, 0, { pad: false })))).toEqual(['SAFETENSORS_HEADER_NONCANONICAL']);
    expect(codes(await scanBytes(safetensorsFile(`{}\n`, 0, { pad: false })))).toEqual(['SAFETENSORS_HEADER_NONCANONICAL']);
    expect(codes(await scanBytes(safetensorsFile(`{}      `, 0, { pad: false })))).toEqual([]);
  });

  it('rejects NUL padding, trailing commas and lone surrogates as invalid JSON', async () => {
    for (const header of ['{}\0\0', '{"a":1,}', '{"\\ud800":1}', "{'a':1}", '{"a":01}']) {
      expect(codes(await scanBytes(safetensorsFile(header, 0, { pad: false })))).toContain('SAFETENSORS_HEADER_INVALID_JSON');
    }
  });

  it('flags a tensor entry that is not an object, or lacks a field', async () => {
    expect(codes(await scanBytes(safetensorsFile(`{"a":[1]}`)))).toContain('SAFETENSORS_TENSOR_INVALID');
    const r = await scanBytes(safetensorsFile(`{"a":{"dtype":"U8","shape":[1]}}`, 1));
    expect(r.findings[0]).toMatchObject({ code: 'SAFETENSORS_TENSOR_INVALID', severity: 'high', evidence: { missing: ['data_offsets'] } });
  });

  it('flags a header that is valid JSON but not an object', async () => {
    expect(codes(await scanBytes(safetensorsFile('[1,2,3]')))).toEqual(['SAFETENSORS_HEADER_NOT_OBJECT']);
  });

  it('reports a too-small file', async () => {
    expect(codes(await scanBytes(new Uint8Array(5)))).toEqual(['SAFETENSORS_TOO_SMALL']);
  });

  it('honours limits.maxHeaderBytes', async () => {
    const bytes = safetensorsFile(`{"a":${t('U8', [1], 0, 1)}}`, 1);
    const r = await safetensorsScanner.scan(bufferSource(bytes, 'x'), { ...testContext(), limits: { ...DEFAULT_LIMITS, maxHeaderBytes: 16 } });
    expect(codes(r)).toEqual(['SAFETENSORS_HEADER_TOO_LARGE']);
  });

  it('sniffs safetensors heads and rejects other data', () => {
    const good = safetensorsFile(`{"a":${t('U8', [1], 0, 1)}}`, 1);
    expect(looksLikeSafetensors(good, good.length)).toBe(true);
    expect(looksLikeSafetensors(Buffer.from('{"hello": "world"}'), 18)).toBe(false);
    expect(looksLikeSafetensors(Buffer.from('\x80\x02}q\x00(X\x04\x00\x00\x00name', 'latin1'), 16)).toBe(false);
    expect(looksLikeSafetensors(Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0x7b, 0x22]), 10)).toBe(false);
  });
});

describe('safetensors fixtures', () => {
  it('every generated fixture yields its expected codes and verdict class', async () => {
    await build(new URL('.', FIXTURES).pathname);
    for (const e of expectations) {
      const r = await scanBytes(await readFile(new URL(e.path, FIXTURES)));
      for (const code of e.mustInclude) expect(codes(r), e.path).toContain(code);
      const denies = r.findings.some((f) => ['critical', 'high', 'medium'].includes(f.severity));
      expect(denies, e.path).toBe(e.verdict === 'DENY');
    }
  });

  it('the real hadamards.safetensors scans clean', async () => {
    const source = await openFileSource(new URL('python3-compressed-tensors/hadamards.safetensors', REAL).pathname, 'hadamards.safetensors');
    try {
      const r = await safetensorsScanner.scan(source, testContext());
      expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      expect(r.facts).toMatchObject({ headerLength: 5848, tensorCount: 66, dtypes: { I8: 66 } });
      expect(Object.keys(r.facts.metadata ?? {}).length).toBeGreaterThan(0);
    } finally {
      await source.close();
    }
  });
});

describe('safetensors properties', () => {
  const dtypeArb = fc.constantFrom(...Object.keys(SAFETENSORS_DTYPE_BITS).filter((d) => SAFETENSORS_DTYPE_BITS[d]! % 8 === 0));
  const tensorsArb = fc.array(fc.tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 })), { maxLength: 6 });

  function layout(tensors: Array<[string, number[]]>): Buffer {
    let offset = 0;
    const parts = tensors.map(([dtype, shape], i) => {
      const size = (shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BITS[dtype]!) / 8;
      const entry = `"t${i}":${t(dtype, shape, offset, offset + size)}`;
      offset += size;
      return entry;
    });
    return safetensorsFile(`{${parts.join(',')}}`, offset);
  }

  it('any contiguous layout of known dtypes is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(tensorsArb, async (tensors) => {
        const r = await scanBytes(layout(tensors));
        expect(r.findings).toEqual([]);
        expect(r.facts.tensorCount).toBe(tensors.length);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes never throw and always yield a report', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const r = await scanBytes(bytes);
        expect(r.format).toBe('safetensors');
      }),
      { numRuns: 300 },
    );
  });

  it('mutating a valid file never throws; a changed structure is flagged or still consistent', async () => {
    const base = layout([['F32', [2, 2]], ['U8', [3]], ['I64', [1]]]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
        const bytes = Buffer.from(base);
        for (const [at, value] of edits) bytes[at] = value;
        const r = await scanBytes(bytes);
        expect(r.format).toBe('safetensors');
        if (r.findings.length === 0) expect(r.facts.headerLength + 8).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 300 },
    );
  });
});
