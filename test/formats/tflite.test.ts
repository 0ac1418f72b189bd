import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { looksLikeTflite, tfliteScanner } from '../../src/formats/tflite/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';

const ctx: ScanContext = {
  file: 'model.tflite',
  location: [],
  depth: 0,
  limits: DEFAULT_LIMITS,
  scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
};
const scanBytes = (bytes: Uint8Array) => tfliteScanner.scan(bufferSource(bytes, 'model.tflite'), ctx);
const codes = (r: FormatReport<object>) => r.findings.map((f) => f.code);

type Field = { int: number } | { ref: (b: Builder) => number } | null;

/** A front-to-back FlatBuffer writer: vtable, then table, then the objects its fields point to. */
class Builder {
  bytes: number[] = [];
  get pos() {
    return this.bytes.length;
  }
  align() {
    while (this.bytes.length % 4) this.bytes.push(0);
  }
  u16(n: number) {
    this.bytes.push(n & 0xff, (n >> 8) & 0xff);
  }
  u32(n: number) {
    this.bytes.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  patch(at: number, target: number) {
    const v = target - at;
    for (let i = 0; i < 4; i++) this.bytes[at + i] = (v >>> (8 * i)) & 0xff;
  }
  table(fields: Field[]): number {
    this.align();
    const vtable = this.pos;
    this.u16(4 + 2 * fields.length);
    this.u16(4 + 4 * fields.length);
    let slot = 4;
    for (const f of fields) {
      this.u16(f === null ? 0 : slot);
      if (f !== null) slot += 4;
    }
    this.align();
    const table = this.pos;
    this.u32(table - vtable);
    const refs: Array<[number, (b: Builder) => number]> = [];
    for (const f of fields) {
      if (f === null) continue;
      if ('int' in f) this.u32(f.int);
      else {
        refs.push([this.pos, f.ref]);
        this.u32(0);
      }
    }
    for (const [at, write] of refs) this.patch(at, write(this));
    return table;
  }
  string(s: string): number {
    this.align();
    const at = this.pos;
    const b = Buffer.from(s);
    this.u32(b.length);
    this.bytes.push(...b, 0);
    return at;
  }
  vector(items: Array<(b: Builder) => number>): number {
    this.align();
    const at = this.pos;
    this.u32(items.length);
    const slots = items.map(() => {
      const p = this.pos;
      this.u32(0);
      return p;
    });
    items.forEach((write, i) => this.patch(slots[i]!, write(this)));
    return at;
  }
}

interface Op {
  builtin?: number;
  deprecated?: number;
  custom?: string;
}

function tflite(ops: Op[], description = 'MLIR Converted.'): Buffer {
  const b = new Builder();
  b.u32(0);
  b.bytes.push(...Buffer.from('TFL3'));
  const model = b.table([
    { int: 3 },
    {
      ref: (x) =>
        x.vector(
          ops.map((op) => (y: Builder) =>
            y.table([op.deprecated === undefined ? null : { int: op.deprecated }, op.custom === undefined ? null : { ref: (z) => z.string(op.custom!) }, { int: 1 }, op.builtin === undefined ? null : { int: op.builtin }]),
          ),
        ),
    },
    { ref: (x) => x.vector([(y) => y.table([])]) },
    { ref: (x) => x.string(description) },
    { ref: (x) => x.vector([(y) => y.table([]), (y) => y.table([])]) },
  ]);
  b.patch(0, model);
  return Buffer.from(b.bytes);
}

describe('tflite scanner', () => {
  it('lists builtin operator codes of a clean model', async () => {
    const r = await scanBytes(tflite([{ builtin: 0, deprecated: 0 }, { builtin: 3, deprecated: 3 }]));
    expect(r.findings).toEqual([]);
    expect(r.facts).toMatchObject({ schemaVersion: 3, description: 'MLIR Converted.', subgraphCount: 1, bufferCount: 2, customOps: [] });
    expect(r.facts.operatorCodes.map((o) => o.builtin)).toEqual([0, 3]);
  });

  it('flags custom and Flex ops, whichever code field says CUSTOM', async () => {
    const r = await scanBytes(tflite([{ builtin: 0 }, { builtin: 32, custom: 'MyNativeOp' }, { deprecated: 32, custom: 'FlexWriteFile' }]));
    expect(codes(r)).toEqual(['TFLITE_CUSTOM_OP']);
    expect(r.findings[0]).toMatchObject({ severity: 'high', evidence: { customOps: ['MyNativeOp', 'FlexWriteFile'], flex: true } });
  });

  it('takes the larger of the legacy and the int32 builtin code', async () => {
    const r = await scanBytes(tflite([{ deprecated: 127, builtin: 150 }]));
    expect(r.facts.operatorCodes[0]!.builtin).toBe(150);
    expect(r.findings).toEqual([]);
  });

  it('flags a wrong identifier and out-of-bounds structures', async () => {
    const good = tflite([{ builtin: 32, custom: 'X' }]);
    const wrong = Buffer.from(good);
    wrong.write('TFL2', 4);
    expect(codes(await scanBytes(wrong))).toEqual(['TFLITE_BAD_IDENTIFIER']);
    expect(codes(await scanBytes(good.subarray(0, 40)))).toEqual(['TFLITE_MALFORMED']);
    const rootPastEnd = Buffer.from(good);
    rootPastEnd.writeUInt32LE(0x7fffffff, 0);
    expect(codes(await scanBytes(rootPastEnd))).toEqual(['TFLITE_MALFORMED']);
  });

  it('sniffs the identifier', () => {
    expect(looksLikeTflite(tflite([]))).toBe(true);
    expect(looksLikeTflite(Buffer.from('\x1c\x00\x00\x00TFL2'))).toBe(false);
  });

  it('random bytes and mutations never throw', async () => {
    const base = tflite([{ builtin: 0 }, { builtin: 32, custom: 'Op' }]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        expect((await scanBytes(Buffer.concat([bytes.subarray(0, 4), Buffer.from('TFL3'), bytes.subarray(4)]))).format).toBe('tflite');
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
        const bytes = Buffer.from(base);
        for (const [at, v] of edits) bytes[at] = v;
        const r = await scanBytes(bytes);
        expect(r.format).toBe('tflite');
      }),
      { numRuns: 300 },
    );
  });
});
