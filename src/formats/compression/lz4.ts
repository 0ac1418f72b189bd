import type { ByteSource } from '../../core/source.js';
import type { DecodeResult } from './decode.js';
import type { BoundedOutput } from './output.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MIN = 0x184d2a50;
const SKIPPABLE_MAX = 0x184d2a5f;
const BLOCK_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

class Lz4Error extends Error {}

/** Growable history: LZ4 matches may reach back into earlier (linked) blocks. */
class History {
  buffer = new Uint8Array(64 * 1024);
  length = 0;
  constructor(private readonly cap: number) {}
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need > this.cap) throw new Lz4Error('cap');
    if (need <= this.buffer.length) return;
    const next = new Uint8Array(Math.min(this.cap, Math.max(need, this.buffer.length * 2)));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

function decodeBlock(block: Uint8Array, out: History): void {
  let p = 0;
  while (p < block.length) {
    const token = block[p++] as number;
    let literals = token >> 4;
    if (literals === 15) {
      let b = 255;
      while (b === 255) {
        if (p >= block.length) throw new Lz4Error('literal length runs past the block');
        b = block[p++] as number;
        literals += b;
      }
    }
    if (p + literals > block.length) throw new Lz4Error('literals run past the block');
    out.ensure(literals);
    out.buffer.set(block.subarray(p, p + literals), out.length);
    out.length += literals;
    p += literals;
    if (p === block.length) return;
    if (p + 2 > block.length) throw new Lz4Error('match offset runs past the block');
    const offset = (block[p] as number) | ((block[p + 1] as number) << 8);
    p += 2;
    if (offset === 0 || offset > out.length) throw new Lz4Error(`match offset ${offset} points before the output`);
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b = 255;
      while (b === 255) {
        if (p >= block.length) throw new Lz4Error('match length runs past the block');
        b = block[p++] as number;
        match += b;
      }
    }
    out.ensure(match);
    const buffer = out.buffer;
    let from = out.length - offset;
    for (let i = 0; i < match; i++) buffer[out.length++] = buffer[from++] as number;
  }
}

/** LZ4 frame format (lz4 CLI, python lz4.frame, joblib): concatenated and skippable frames, no dictionaries. */
export async function decodeLz4(source: ByteSource, output: BoundedOutput): Promise<DecodeResult> {
  const out = new History(output.cap + 1);
  const result: DecodeResult = { members: 0 };
  let at = 0;
  let pushed = 0;
  const flush = () => {
    const ok = output.push(out.buffer.slice(pushed, out.length));
    pushed = out.length;
    return ok;
  };
  try {
    while (at < source.size) {
      const head = Buffer.from(await source.read(at, 7));
      const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
      if (magic >= SKIPPABLE_MIN && magic <= SKIPPABLE_MAX && head.length >= 8) {
        at += 8 + head.readUInt32LE(4);
        continue;
      }
      if (magic !== FRAME_MAGIC || head.length < 7) {
        if (result.members === 0) return { error: 'not an LZ4 frame' };
        return { ...result, trailingOffset: at };
      }
      const flg = head[4] as number;
      const bd = head[5] as number;
      if (flg >> 6 !== 1 || (flg & 0x02) !== 0 || (bd & 0x8f) !== 0 || !BLOCK_SIZES[bd >> 4]) {
        return { error: `frame at ${at} has an invalid descriptor (FLG 0x${flg.toString(16)}, BD 0x${bd.toString(16)})` };
      }
      if (flg & 0x01) return { unsupported: 'LZ4 frame needs an external dictionary' };
      const blockChecksum = (flg & 0x10) !== 0;
      const contentChecksum = (flg & 0x04) !== 0;
      const maxBlock = BLOCK_SIZES[bd >> 4] as number;
      at += 4 + 2 + ((flg & 0x08) !== 0 ? 8 : 0) + 1;
      for (;;) {
        const sizeBytes = Buffer.from(await source.read(at, 4));
        if (sizeBytes.length < 4) return { error: 'frame is truncated before its end mark' };
        at += 4;
        const word = sizeBytes.readUInt32LE(0);
        if (word === 0) break;
        const size = word & 0x7fffffff;
        if (size > maxBlock) return { error: `block of ${size} bytes exceeds the frame's ${maxBlock}-byte maximum` };
        const block = await source.read(at, size);
        if (block.length < size) return { error: 'block is truncated' };
        at += size + (blockChecksum ? 4 : 0);
        if (word & 0x80000000) {
          out.ensure(size);
          out.buffer.set(block, out.length);
          out.length += size;
        } else {
          decodeBlock(block, out);
        }
        if (!flush()) return result;
      }
      at += contentChecksum ? 4 : 0;
      if (at > source.size) return { error: 'frame is truncated after its end mark' };
      result.members = (result.members ?? 0) + 1;
    }
    return result;
  } catch (error) {
    if (error instanceof Lz4Error && error.message === 'cap') {
      flush();
      output.overflow();
      return result;
    }
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
