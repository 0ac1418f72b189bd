import { FormatError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';

const PAGE = 4096;
const MAX_PAGES = 256;

const bad = (message: string, offset: number): never => {
  throw new FormatError('TFLITE_MALFORMED', message, offset);
};

/** Bounds-checked random reads of FlatBuffer primitives through a small page cache. */
export class FlatReader {
  private readonly pages = new Map<number, Uint8Array>();
  constructor(readonly source: ByteSource) {}

  private async page(index: number): Promise<Uint8Array> {
    let page = this.pages.get(index);
    if (!page) {
      page = await this.source.read(index * PAGE, PAGE);
      if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
      this.pages.set(index, page);
    }
    return page;
  }

  async bytes(at: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(at) || at < 0 || length < 0 || at + length > this.source.size) bad(`read of ${length} bytes at ${at} is out of bounds`, at);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const pos = at + done;
      const page = await this.page(Math.floor(pos / PAGE));
      const from = pos % PAGE;
      const n = Math.min(length - done, page.length - from);
      if (n <= 0) bad('short read', pos);
      out.set(page.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }
  private async view(at: number, n: number): Promise<DataView> {
    const b = await this.bytes(at, n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
  async u8(at: number) {
    return (await this.view(at, 1)).getUint8(0);
  }
  async i8(at: number) {
    return (await this.view(at, 1)).getInt8(0);
  }
  async u16(at: number) {
    return (await this.view(at, 2)).getUint16(0, true);
  }
  async i32(at: number) {
    return (await this.view(at, 4)).getInt32(0, true);
  }
  async u32(at: number) {
    return (await this.view(at, 4)).getUint32(0, true);
  }

  /** Absolute position of field `index` of the table at `table`, or undefined when absent. */
  async field(table: number, index: number): Promise<number | undefined> {
    const vtable = table - (await this.i32(table));
    const vtableSize = await this.u16(vtable);
    if (vtableSize < 4 || vtableSize % 2 !== 0) bad(`vtable size ${vtableSize}`, vtable);
    const tableSize = await this.u16(vtable + 2);
    if (4 + 2 * index >= vtableSize) return undefined;
    const offset = await this.u16(vtable + 4 + 2 * index);
    if (offset === 0) return undefined;
    if (offset >= tableSize) bad(`field ${index} lies outside its table`, table);
    return table + offset;
  }
  /** Follows a uoffset stored at `at`. */
  async deref(at: number): Promise<number> {
    const target = at + (await this.u32(at));
    if (target >= this.source.size) bad(`offset at ${at} points past the end`, at);
    return target;
  }
  async vector(at: number, elementSize: number, maxLength: number): Promise<{ start: number; length: number }> {
    const v = await this.deref(at);
    const length = await this.u32(v);
    if (length > maxLength || v + 4 + length * elementSize > this.source.size) bad(`vector of ${length} elements is out of bounds`, v);
    return { start: v + 4, length };
  }
  async string(at: number, maxLength: number): Promise<string> {
    const { start, length } = await this.vector(at, 1, maxLength);
    return new TextDecoder('utf-8').decode(await this.bytes(start, length));
  }
}
