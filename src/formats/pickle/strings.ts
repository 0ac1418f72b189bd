import { decodeUtf8 } from './text-args.js';

const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
/** Strings up to this many bytes are interned (keys, module and class names, locations repeat a lot). */
const MAX_INTERNED = 32;
/** Below this length String.fromCharCode beats a Buffer decode. */
const SMALL = 8;

/**
 * Decodes string arguments of one byte stream. Short strings go through a small direct-mapped
 * table, so the thousands of repeats of 'storage', 'cpu', 'torch', 'FloatStorage' of a state_dict
 * cost a hash and a compare, not a decode and an allocation each. Results equal a plain decode.
 */
export class StringTable {
  private readonly table: string[] = new Array<string>(TABLE_MASK + 1).fill('');
  private readonly buffer: Buffer;
  private readonly scratch: number[][] = [];

  constructor(private readonly bytes: Uint8Array) {
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let n = 0; n <= SMALL; n++) this.scratch.push(new Array<number>(n).fill(0));
  }

  /** bytes[at, at+n) as latin-1 text (every byte one char). */
  latin1(at: number, n: number): string {
    if (n > MAX_INTERNED) return this.buffer.toString('latin1', at, at + n);
    return this.intern(at, n, this.hash(at, n) & 0x7fffffff);
  }

  /** bytes[at, at+n) as UTF-8 ('surrogatepass'); undefined when invalid. */
  utf8(at: number, n: number): string | undefined {
    if (n > MAX_INTERNED) return decodeUtf8(this.bytes, at, at + n);
    const h = this.hash(at, n);
    return h < 0 ? decodeUtf8(this.bytes, at, at + n) : this.intern(at, n, h);
  }

  /** A hash of the bytes, negative when one of them is not ASCII. */
  private hash(at: number, n: number): number {
    const bytes = this.bytes;
    let h = n;
    let high = 0;
    for (let i = at, end = at + n; i < end; i++) {
      const b = bytes[i]!;
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    h = (h ^ (h >>> 15)) & 0x7fffffff;
    return high & 0x80 ? -1 : h;
  }

  private intern(at: number, n: number, h: number): string {
    const slot = h & TABLE_MASK;
    const cached = this.table[slot]!;
    if (cached.length === n) {
      const bytes = this.bytes;
      let i = 0;
      while (i < n && cached.charCodeAt(i) === bytes[at + i]) i++;
      if (i === n) return cached;
    }
    let s: string;
    if (n <= SMALL) {
      const codes = this.scratch[n]!;
      for (let i = 0; i < n; i++) codes[i] = this.bytes[at + i]!;
      s = String.fromCharCode.apply(null, codes);
    } else {
      s = this.buffer.toString('latin1', at, at + n);
    }
    this.table[slot] = s;
    return s;
  }
}
