import { decodeUtf8 } from './text-args.js';

const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
/** Strings up to this many bytes are interned (keys, module and class names, locations repeat a lot). */
const MAX_INTERNED = 32;
/** Below this length String.fromCharCode beats a Buffer decode. */
const SMALL = 8;

/**
 * Decodes string arguments of one byte stream. Short ASCII strings go through a small direct-mapped
 * table (slot chosen from the length and three of the bytes), so the repeats of 'storage', 'cpu',
 * 'torch', 'FloatStorage' of a state_dict cost one compare, not a decode and an allocation each.
 * Only ASCII strings are stored, so a hit is right for both latin-1 and UTF-8. Results equal a plain decode.
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
    if (n === 0) return '';
    if (n <= MAX_INTERNED) {
      const hit = this.lookup(at, n);
      if (hit !== undefined) return hit;
      if (this.ascii(at, n)) return this.store(at, n);
    }
    return this.buffer.toString('latin1', at, at + n);
  }

  /** bytes[at, at+n) as UTF-8 ('surrogatepass'); undefined when invalid. */
  utf8(at: number, n: number): string | undefined {
    if (n === 0) return '';
    if (n <= MAX_INTERNED) {
      const hit = this.lookup(at, n);
      if (hit !== undefined) return hit;
      if (this.ascii(at, n)) return this.store(at, n);
    } else if (n < 256 && this.ascii(at, n)) {
      return this.buffer.toString('latin1', at, at + n); // what decodeUtf8 does for short ASCII, minus its checks
    }
    return decodeUtf8(this.bytes, at, at + n);
  }

  private slot(at: number, n: number): number {
    const bytes = this.bytes;
    return (Math.imul(n, 0x9e3779b1) ^ Math.imul(bytes[at]!, 0x85ebca6b) ^ Math.imul(bytes[at + (n >> 1)]!, 0xc2b2ae35) ^ Math.imul(bytes[at + n - 1]!, 0x27d4eb2f)) >>> (32 - TABLE_BITS);
  }

  private lookup(at: number, n: number): string | undefined {
    const cached = this.table[this.slot(at, n)]!;
    if (cached.length !== n) return undefined;
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) if (cached.charCodeAt(i) !== bytes[at + i]) return undefined;
    return cached;
  }

  private ascii(at: number, n: number): boolean {
    const bytes = this.bytes;
    for (let i = at, end = at + n; i < end; i++) if (bytes[i]! >= 0x80) return false;
    return true;
  }

  private store(at: number, n: number): string {
    let s: string;
    if (n <= SMALL) {
      const codes = this.scratch[n]!;
      for (let i = 0; i < n; i++) codes[i] = this.bytes[at + i]!;
      s = String.fromCharCode.apply(null, codes);
    } else {
      s = this.buffer.toString('latin1', at, at + n);
    }
    this.table[this.slot(at, n)] = s;
    return s;
  }
}
