import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource, openFileSource } from '../../src/core/source.js';
import { zipScanner, type ZipFacts } from '../../src/formats/zip/index.js';
import { inflatingSource } from '../../src/formats/zip/inflate-source.js';
import type { FormatReport } from '../../src/formats/types.js';
import { buildZip } from '../../scripts/fixtures/lib/zip-writer.js';
import { fixtures, maliciousPickle, stateDictPickle, TENSORS, torchRecords } from '../../scripts/fixtures/torch.js';
import { codes, hasPickleModule, realModels, testContext } from './zip-helpers.js';

const PAYLOAD_HEAD = maliciousPickle(2).toString('latin1').slice(0, 12);

async function scan(bytes: Uint8Array, options: Parameters<typeof testContext>[0] = {}) {
  const ctx = testContext(options);
  const report = (await zipScanner.scan(bufferSource(bytes, 'test.zip'), ctx)) as FormatReport<ZipFacts>;
  return { report, ctx };
}

/** The clean state_dict with its persistent ids registered for the stand-in pickle analyser. */
function pickleIds() {
  const ids = new Map();
  const pkl = stateDictPickle(TENSORS).toString('latin1');
  ids.set(pkl, TENSORS.map((t) => ['storage', { global: 'torch.FloatStorage' }, t.key, 'cpu', t.numel]));
  return ids;
}

describe('zip reader: torch checkpoints', () => {
  it('classifies a clean torch.save zip, sniffs storages only and finds nothing', async () => {
    const { report, ctx } = await scan(fixtures()['clean-state-dict.pt'] as Buffer, { pickleIds: pickleIds() });
    expect(report.format).toBe('pytorch-zip');
    expect(codes(report)).toEqual([]);
    expect(report.facts.torch).toMatchObject({ prefix: 'archive', storages: 2, byteorder: 'little', version: '3' });
    const kinds = Object.fromEntries(report.facts.entries.map((e) => [e.name, e.kind]));
    expect(kinds['archive/data/0']).toBe('storage');
    expect(kinds['archive/data.pkl']).toBe('pickle');
    expect(ctx.calls.map((c) => c.label)).not.toContain('archive/data/0');
    expect(report.facts.entries.every((e) => e.crcOk !== false)).toBe(true);
  });

  it('#1 scans a pickle stored under a non-pickle name', async () => {
    const { ctx } = await scan(fixtures()['b01-pickle-named-txt.pt'] as Buffer);
    const call = ctx.calls.find((c) => c.label === 'archive/data.txt');
    expect(call?.head.slice(0, 12)).toBe(maliciousPickle(4).toString('latin1').slice(0, 12));
  });

  it('#3 flags a local name that differs from the central name and still scans the entry', async () => {
    const { report, ctx } = await scan(fixtures()['b03-local-name-mismatch.pt'] as Buffer);
    const finding = report.findings.find((f) => f.code === 'ZIP_NAME_MISMATCH');
    expect(finding?.evidence).toMatchObject({ entry: 'archive/data.pkl', localName: 'archive/data.pkx' });
    expect(ctx.calls.map((c) => c.label)).toContain('archive/data.pkl');
  });

  it('#4 flags encryption / patched / strong-encryption bits but reads the bytes as torch does', async () => {
    const { report, ctx } = await scan(fixtures()['b04-flag-bits.pt'] as Buffer);
    expect(codes(report)).toEqual(expect.arrayContaining(['ZIP_ENCRYPTED', 'ZIP_UNUSUAL_FLAGS']));
    expect(ctx.calls.find((c) => c.label === 'archive/data.pkl')?.head.slice(0, 2)).toBe('\x80\x02');
  });

  it('#5 flags a bad CRC and scans anyway', async () => {
    const { report, ctx } = await scan(fixtures()['b05-bad-crc.pt'] as Buffer);
    expect(report.findings.find((f) => f.code === 'ZIP_CRC_MISMATCH')?.evidence).toMatchObject({ entry: 'archive/data.pkl', declared: 0xdeadbeef });
    expect(ctx.calls.map((c) => c.label)).toContain('archive/data.pkl');
  });

  it('#6 a corrupt entry before data.pkl does not stop the walk', async () => {
    const { report, ctx } = await scan(fixtures()['b06-corrupt-entry-first.pt'] as Buffer);
    expect(report.findings.find((f) => f.code === 'ZIP_INFLATE_ERROR')?.evidence).toMatchObject({ entry: 'archive/aaa-corrupt' });
    expect(ctx.calls.map((c) => c.label)).toContain('archive/data.pkl');
  });

  it('duplicate names: both entries are reached by index', async () => {
    const { report, ctx } = await scan(fixtures()['duplicate-data-pkl.pt'] as Buffer);
    expect(codes(report)).toContain('ZIP_DUPLICATE_NAME');
    const labels = ctx.calls.map((c) => c.label).filter((l) => l.startsWith('archive/data.pkl'));
    expect(labels).toHaveLength(2);
  });

  it('#43 flags a storage record smaller than its declared numel', async () => {
    const ids = new Map([[stateDictPickle([{ name: 'w', key: '0', numel: 1_000_000 }]).toString('latin1'), [['storage', { global: 'torch.FloatStorage' }, '0', 'cpu', 1_000_000]]]]);
    const { report } = await scan(fixtures()['b43-numel-larger-than-data.pt'] as Buffer, { pickleIds: ids as never });
    expect(report.findings.find((f) => f.code === 'TORCH_STORAGE_TOO_SMALL')?.evidence).toMatchObject({ size: 16, declaredBytes: 4_000_000 });
  });

  it('flags a missing storage record and an unreferenced one (which is scanned)', async () => {
    const records = torchRecords(stateDictPickle(TENSORS)).filter((r) => r.name !== 'archive/data/1');
    records.push({ name: 'archive/data/9', data: maliciousPickle(2) });
    const { report, ctx } = await scan(buildZip(records), { pickleIds: pickleIds() });
    expect(codes(report)).toEqual(expect.arrayContaining(['TORCH_MISSING_RECORD', 'TORCH_UNREFERENCED_RECORD']));
    expect(ctx.calls.map((c) => c.label)).toContain('archive/data/9');
  });

  it('scans a referenced storage whose bytes are really a pickle', async () => {
    const records = torchRecords(stateDictPickle(TENSORS));
    const index = records.findIndex((r) => r.name === 'archive/data/0');
    records[index] = { name: 'archive/data/0', data: maliciousPickle(2) };
    const { report, ctx } = await scan(buildZip(records), { pickleIds: pickleIds() });
    expect(codes(report)).toContain('TORCH_STORAGE_HIDES_CONTENT');
    expect(ctx.calls.map((c) => c.label)).toContain('archive/data/0');
  });

  it('flags mixed prefixes, a bad byteorder and a missing version', async () => {
    const records = torchRecords(stateDictPickle(TENSORS))
      .filter((r) => !r.name.endsWith('/version'))
      .map((r) => (r.name.endsWith('byteorder') ? { ...r, data: 'middle' } : r));
    records.push({ name: 'other/hidden.pkl', data: maliciousPickle(2) });
    const { report, ctx } = await scan(buildZip(records), { pickleIds: pickleIds() });
    expect(codes(report)).toEqual(expect.arrayContaining(['TORCH_MIXED_PREFIX', 'TORCH_BAD_BYTEORDER', 'TORCH_MISSING_VERSION']));
    expect(ctx.calls.map((c) => c.label)).toContain('other/hidden.pkl');
  });

  it('reports TorchScript code as a medium finding listing the code files', async () => {
    const { report } = await scan(fixtures()['torchscript-code.pt'] as Buffer);
    expect(report.format).toBe('torchscript');
    const finding = report.findings.find((f) => f.code === 'TORCH_TORCHSCRIPT_CODE');
    expect(finding?.severity).toBe('medium');
    expect(finding?.message).toMatch(/torch\.jit\.load will compile and execute/);
    expect(finding?.evidence).toMatchObject({ files: ['tiny/code/__torch__.py'], count: 1 });
  });
});

describe('zip reader: archive structure', () => {
  const payload = maliciousPickle(2);

  it('flags traversal, absolute, backslash and NUL names', async () => {
    const { report } = await scan(
      buildZip([
        { name: '../up.txt', data: 'a' },
        { name: '/abs.txt', data: 'b' },
        { name: 'C:\\win.txt', data: 'c' },
        { name: 'nul\0.txt', data: 'd' },
      ]),
    );
    expect(codes(report)).toEqual(expect.arrayContaining(['ZIP_PATH_TRAVERSAL', 'ZIP_ABSOLUTE_PATH', 'ZIP_BACKSLASH_NAME', 'ZIP_BAD_NAME']));
  });

  it('flags a declared-ratio bomb without inflating it', async () => {
    const { report } = await scan(buildZip([{ name: 'z', data: Buffer.alloc(4096), method: 8, size: 4_000_000_000 }]));
    expect(report.findings.find((f) => f.code === 'ZIP_BOMB')?.evidence).toMatchObject({ entry: 'z', size: 4_000_000_000 });
  });

  it('stops inflating at limits.maxInflateBytes', async () => {
    const { report } = await scan(buildZip([{ name: 'big.bin', data: Buffer.alloc(4 * 1024 * 1024), method: 8 }]), {
      limits: { maxInflateBytes: 1024 * 1024 },
    });
    expect(codes(report)).toContain('ZIP_INFLATE_LIMIT');
  });

  it('flags unsupported methods, prefix data, trailing data and a comment', async () => {
    const bytes = buildZip([{ name: 'a.bin', data: 'xyz', method: 12 }], {
      prefix: Buffer.from('JUNKJUNK'),
      comment: 'hello',
      trailing: Buffer.from('tail'),
    });
    const { report, ctx } = await scan(bytes);
    expect(codes(report)).toEqual(expect.arrayContaining(['ZIP_UNSUPPORTED_METHOD', 'ZIP_PREFIX_DATA', 'ZIP_TRAILING_DATA', 'ZIP_COMMENT']));
    expect(ctx.calls.map((c) => c.label)).toEqual(expect.arrayContaining(['<prefix>', '<trailing>']));
  });

  it('flags overlapping entries (a quine-style bomb) and an entry count mismatch', async () => {
    const one = buildZip([{ name: 'a', data: 'hello' }]);
    // Central directory listing the same local header twice.
    const cdStart = one.readUInt32LE(one.length - 22 + 16);
    const cdSize = one.readUInt32LE(one.length - 22 + 12);
    const record = one.subarray(cdStart, cdStart + cdSize);
    const end = Buffer.from(one.subarray(one.length - 22));
    end.writeUInt16LE(3, 8);
    end.writeUInt16LE(3, 10);
    end.writeUInt32LE(cdSize * 2, 12);
    const bytes = Buffer.concat([one.subarray(0, cdStart), record, record, end]);
    const { report } = await scan(bytes);
    expect(codes(report)).toEqual(expect.arrayContaining(['ZIP_OVERLAPPING_ENTRIES', 'ZIP_DUPLICATE_NAME', 'ZIP_ENTRY_COUNT_MISMATCH']));
  });

  it('flags a truncated central directory and data beyond EOF', async () => {
    const good = buildZip([{ name: 'p.pkl', data: payload }]);
    const lying = buildZip([{ name: 'p.pkl', data: payload, compressedSize: 100_000, size: 100_000 }]);
    const { report } = await scan(lying);
    expect(codes(report)).toContain('ZIP_ENTRY_OUT_OF_BOUNDS');
    const cut = Buffer.concat([good.subarray(0, good.length - 22 - 10), good.subarray(good.length - 22)]);
    expect(codes((await scan(cut)).report)).toEqual(expect.arrayContaining(['ZIP_CENTRAL_DIRECTORY_CORRUPT']));
  });

  it('reports a file with no end record', async () => {
    const { report } = await scan(Buffer.from('PK\x03\x04 not really a zip', 'latin1'));
    expect(codes(report)).toEqual(['ZIP_NO_END_RECORD']);
  });

  it('recurses into nested zips through scanNested', async () => {
    const inner = buildZip([{ name: 'payload.pkl', data: payload, method: 8 }]);
    const { ctx } = await scan(buildZip([{ name: 'inner.zip', data: inner, method: 8 }]));
    expect(ctx.calls.map((c) => c.location)).toEqual(['inner.zip', 'inner.zip > payload.pkl']);
    expect(ctx.calls[1]?.head.slice(0, 12)).toBe(PAYLOAD_HEAD);
  });

  it('classifies an npz by member content', async () => {
    const npy = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00\x76\x00', 'latin1'), Buffer.alloc(118, 0x20)]);
    const { report } = await scan(buildZip([{ name: 'a', data: npy }, { name: 'b.npy', data: npy, method: 8 }]));
    expect(report.format).toBe('npz');
  });

  it('reports a keras archive and its config analysis (or its absence, fail closed)', async () => {
    const config = JSON.stringify({ class_name: 'Sequential', config: { layers: [] } });
    const { report } = await scan(buildZip([{ name: 'metadata.json', data: '{}' }, { name: 'config.json', data: config }, { name: 'model.weights.h5', data: 'x' }]));
    expect(report.format).toBe('keras');
    const keras = report.facts.keras !== undefined || codes(report).includes('ZIP_KERAS_CONFIG_UNANALYSED');
    expect(keras).toBe(true);
  });
});

describe('inflating source', () => {
  it('inflates only what a read needs', async () => {
    const data = Buffer.alloc(8 * 1024 * 1024, 7);
    const compressed = deflateRawSync(data);
    const source = inflatingSource(bufferSource(compressed, 'c'), data.length, 64 * 1024 * 1024, 'x');
    const head = await source.read(0, 16);
    expect(Buffer.from(head).equals(data.subarray(0, 16))).toBe(true);
    expect(source.status.produced).toBeLessThan(data.length);
    const tail = await source.read(data.length - 4, 4);
    expect([...tail]).toEqual([7, 7, 7, 7]);
    expect((await source.inflateTo(data.length + 1)).length).toBe(data.length);
    expect(source.status.complete).toBe(true);
  });

  it('reports a corrupt stream', async () => {
    const source = inflatingSource(bufferSource(Buffer.from('\xff\xff\xff\xff garbage', 'latin1'), 'c'), 100, 1000, 'x');
    await source.read(0, 100);
    expect(source.status.error).toBeDefined();
  });
});

describe('real models', () => {
  const files = [
    'cp2k-data/water-deployed-neq060sp.pth',
    'python3-torch/script_module_v4.ptl',
    'golang-github-nlpodyssey-gopickle-dev/tensor_float32_proto2_zip.pt',
    'golang-github-nlpodyssey-gopickle-dev/tensor_bfloat16_proto5_zip.pt',
    'lammps-examples/Ta06A.mliap.pytorch.model.pt',
    'lammps-examples/ACE_NN_Pytorch.pt',
  ];
  for (const file of files) {
    it(`${file} parses with no high or critical container finding`, async () => {
      const source = await openFileSource(new URL(file, realModels).pathname, file);
      try {
        const ctx = testContext({ file });
        const report = (await zipScanner.scan(source, ctx)) as FormatReport<ZipFacts>;
        expect(report.format).toBe(file.endsWith('.pt') ? 'pytorch-zip' : 'torchscript');
        const serious = report.findings.filter((f) => f.severity === 'high' || f.severity === 'critical');
        expect(serious).toEqual([]);
        if (await hasPickleModule()) {
          expect(codes(report)).not.toContain('TORCH_UNREFERENCED_RECORD');
          expect(codes(report)).not.toContain('TORCH_STORAGE_OVERSIZED');
        }
      } finally {
        await source.close();
      }
    });
  }
});

describe('performance', () => {
  it('scans a 2 GiB stored torch zip reading only headers, pickles and sniff bytes', async () => {
    const path = join(tmpdir(), `modelscan-sparse-${process.pid}.pt`);
    const numel = 512 * 1024 * 1024;
    const pkl = stateDictPickle([{ name: 'big', key: '0', numel }]);
    const small = buildZip(torchRecords(pkl, []));
    // Splice one 2 GiB stored entry (sparse zeros) between data.pkl and the rest, by rewriting offsets.
    const size = numel * 4;
    const name = Buffer.from('archive/data/0');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cdOffset = small.readUInt32LE(small.length - 22 + 16);
    const cdSize = small.readUInt32LE(small.length - 22 + 12);
    const entries = small.subarray(0, cdOffset);
    const bigOffset = entries.length;
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(0, 16); // CRC of 2 GiB zeros is not verified for raw storages this large
    central.writeUInt32LE(size, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(bigOffset, 42);
    const newCdOffset = bigOffset + 30 + name.length + size;
    const cd = Buffer.concat([small.subarray(cdOffset, cdOffset + cdSize), central, name]);
    const end = Buffer.from(small.subarray(small.length - 22));
    const count = end.readUInt16LE(10) + 1;
    end.writeUInt16LE(count, 8);
    end.writeUInt16LE(count, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(newCdOffset, 16);
    const handle = await open(path, 'w');
    try {
      await handle.write(Buffer.concat([entries, local, name]), 0, undefined, 0);
      await handle.write(Buffer.concat([cd, end]), 0, undefined, newCdOffset);
    } finally {
      await handle.close();
    }
    const ids = new Map([[pkl.toString('latin1'), [['storage', { global: 'torch.FloatStorage' }, '0', 'cpu', numel]]]]);
    const file = await openFileSource(path, 'big.pt');
    // Count what the scanner reads instead of timing it: the goal is "never read tensor data".
    let bytesRead = 0;
    const source = {
      size: file.size,
      label: file.label,
      async read(offset: number, length: number) {
        const bytes = await file.read(offset, length);
        bytesRead += bytes.length;
        return bytes;
      },
    };
    try {
      const report = (await zipScanner.scan(source, testContext({ pickleIds: ids as never }))) as FormatReport<ZipFacts>;
      expect(report.format).toBe('pytorch-zip');
      expect(report.facts.entries.find((e) => e.name === 'archive/data/0')).toMatchObject({ kind: 'storage', size });
      expect(report.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([]);
      expect(bytesRead).toBeLessThan(4 * 1024 * 1024);
    } finally {
      await file.close();
      await rm(path, { force: true });
    }
  });
});

describe('properties', () => {
  it('random bytes never throw and always give a report', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const { report } = await scan(bytes);
        expect(report.findings.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('mutations of a valid torch zip never throw', async () => {
    const base = fixtures()['poisoned-data-pkl.pt'] as Buffer;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat({ max: base.length }), { nil: undefined }),
        async (edits, cut) => {
          const bytes = Buffer.from(base);
          for (const [at, value] of edits) bytes[at] = value;
          const { report } = await scan(cut === undefined ? bytes : bytes.subarray(0, cut));
          expect(Array.isArray(report.findings)).toBe(true);
          expect(['pytorch-zip', 'torchscript', 'zip', 'npz', 'keras']).toContain(report.format);
        },
      ),
      { numRuns: 300 },
    );
  });
});
