import type { ByteSource } from '../../core/source.js';

export class EndOfData extends Error {
  constructor(readonly offset: number) {
    super(`unexpected end of data at offset ${offset}`);
    this.name = 'EndOfData';
  }
}

const WINDOW = 1 << 20;

/** Sequential reads over a ByteSource through a 1 MiB window; every read is bounds-checked. */
export class SourceReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  pos: number;
  littleEndian = true;

  constructor(
    private readonly source: ByteSource,
    start = 0,
  ) {
    this.pos = start;
  }

  get size(): number {
    return this.source.size;
  }
  get remaining(): number {
    return this.source.size - this.pos;
  }

  private async view(length: number): Promise<DataView> {
    if (length > this.remaining) throw new EndOfData(this.pos);
    const offset = this.pos - this.windowStart;
    if (offset < 0 || offset + length > this.window.length) {
      this.windowStart = this.pos;
      this.window = await this.source.read(this.pos, Math.min(Math.max(length, WINDOW), this.remaining));
      if (this.window.length < length) throw new EndOfData(this.pos);
    }
    const at = this.pos - this.windowStart;
    this.pos += length;
    return new DataView(this.window.buffer, this.window.byteOffset + at, length);
  }

  async u8(): Promise<number> {
    return (await this.view(1)).getUint8(0);
  }
  async i8(): Promise<number> {
    return (await this.view(1)).getInt8(0);
  }
  async u16(): Promise<number> {
    return (await this.view(2)).getUint16(0, this.littleEndian);
  }
  async i16(): Promise<number> {
    return (await this.view(2)).getInt16(0, this.littleEndian);
  }
  async u32(): Promise<number> {
    return (await this.view(4)).getUint32(0, this.littleEndian);
  }
  async i32(): Promise<number> {
    return (await this.view(4)).getInt32(0, this.littleEndian);
  }
  async u64(): Promise<bigint> {
    return (await this.view(8)).getBigUint64(0, this.littleEndian);
  }
  async i64(): Promise<bigint> {
    return (await this.view(8)).getBigInt64(0, this.littleEndian);
  }
  async f32(): Promise<number> {
    return (await this.view(4)).getFloat32(0, this.littleEndian);
  }
  async f64(): Promise<number> {
    return (await this.view(8)).getFloat64(0, this.littleEndian);
  }
  async bytes(length: number): Promise<Uint8Array> {
    if (length > this.remaining) throw new EndOfData(this.pos);
    if (length <= WINDOW) {
      const v = await this.view(length);
      return new Uint8Array(v.buffer, v.byteOffset, length);
    }
    const out = await this.source.read(this.pos, length);
    if (out.length < length) throw new EndOfData(this.pos);
    this.pos += length;
    return out;
  }
  skip(length: number): void {
    if (length > this.remaining) throw new EndOfData(this.pos);
    this.pos += length;
  }
}
