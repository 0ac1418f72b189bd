import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { PickleWriter } from '../scripts/fixtures/lib/pickle-writer.js';
import { check } from '../src/check.js';
import { openFileSource } from '../src/core/source.js';
import { createRootContext, scanSource } from '../src/formats/dispatch.js';
import { sha256File } from '../src/scan/hash.js';
import { bestOf, dataPath } from './lib.js';

const GIB = 1024 ** 3;

function stateDictPickle(numel: number): Buffer {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().binput(0);
  w.unicode('weight').global('torch._utils', '_rebuild_tensor_v2');
  w.mark().mark().unicode('storage').global('torch', 'FloatStorage').unicode('0').unicode('cpu').int(numel).tuple().binpersid();
  w.int(0).int(numel).tuple1().int(1).tuple1().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  return w.setitem().stop().bytes();
}

function localHeader(name: Buffer, size: number, crc: number): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(0x21, 12);
  h.writeUInt32LE(crc, 14);
  h.writeUInt32LE(size, 18);
  h.writeUInt32LE(size, 22);
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name]);
}

function centralHeader(name: Buffer, size: number, crc: number, offset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(0x21, 14);
  h.writeUInt32LE(crc, 16);
  h.writeUInt32LE(size, 20);
  h.writeUInt32LE(size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, name]);
}

/** A real (non-sparse) torch zip: data.pkl, version, and one 2 GiB float32 storage of pseudo-random bytes. */
async function buildTorchZip(path: string, dataBytes: number): Promise<void> {
  const existing = await stat(path).catch(() => null);
  if (existing && existing.size > dataBytes) return;
  const out = createWriteStream(path);
  const write = async (b: Buffer) => {
    if (!out.write(b)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  const records: Array<{ name: Buffer; size: number; crc: number; offset: number }> = [];
  let offset = 0;
  const small = async (name: string, data: Buffer) => {
    const n = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    records.push({ name: n, size: data.length, crc, offset });
    const h = localHeader(n, data.length, crc);
    await write(h);
    await write(data);
    offset += h.length + data.length;
  };
  await small('archive/data.pkl', stateDictPickle(dataBytes / 4));
  // The big storage: CRC computed up front from the same deterministic generator.
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  const fill = (seed: number) => {
    let x = seed | 1;
    for (let i = 0; i < chunk.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk.writeUInt32LE(x >>> 0, i);
    }
  };
  let crc = 0;
  for (let i = 0; i < dataBytes / chunk.length; i++) {
    fill(i + 1);
    crc = crc32(chunk, crc);
  }
  const name = Buffer.from('archive/data/0');
  records.push({ name, size: dataBytes, crc: crc >>> 0, offset });
  const h = localHeader(name, dataBytes, crc >>> 0);
  await write(h);
  offset += h.length;
  for (let i = 0; i < dataBytes / chunk.length; i++) {
    fill(i + 1);
    await write(chunk);
  }
  offset += dataBytes;
  await small('archive/version', Buffer.from('3\n'));
  const cdStart = offset;
  let cdSize = 0;
  for (const r of records) {
    const c = centralHeader(r.name, r.size, r.crc, r.offset);
    await write(c);
    cdSize += c.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(records.length, 8);
  end.writeUInt16LE(records.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdStart, 16);
  await write(end);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The formats stage alone on a 2 GiB torch zip, and the whole `check` against hashing the same file. */
export async function benchTorchZip(): Promise<string[]> {
  const path = await dataPath('torch-2gib.pt');
  await buildTorchZip(path, 2 * GIB);
  const parseOnly = await bestOf(5, async () => {
    const source = await openFileSource(path, 'torch-2gib.pt');
    try {
      await scanSource(source, createRootContext('torch-2gib.pt'), 'torch-2gib.pt');
    } finally {
      await source.close();
    }
  });
  const hashOnly = await bestOf(2, () => sha256File(path));
  const whole = await bestOf(2, () => check(path));
  return [
    `torch zip 2 GiB: parse only          ${parseOnly.toFixed(1)} ms (goal: well under 1000 ms; reads central directory, headers, data.pkl)`,
    `torch zip 2 GiB: check / sha256 alone ${(whole / hashOnly).toFixed(3)}x  (goal <= 1.05x: parsing adds almost nothing to the one hashing pass)`,
  ];
}
