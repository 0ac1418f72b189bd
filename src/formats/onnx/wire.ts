import protobuf from 'protobufjs';
import { FormatError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** Longest tag (5 bytes) plus longest varint (10 bytes), with room to spare. */
export const FIELD_HEADER_BYTES = 20;

type Longish = number | { toNumber(): number };

function toNumber(value: Longish): number {
  return typeof value === 'number' ? value : value.toNumber();
}

/** First read after a jump; windows double while reads stay sequential, up to maxChunkBytes. */
const MIN_CHUNK_BYTES = 4 * 1024;

/**
 * Random-access protobuf wire reader over a ByteSource. It buffers one window of the source and
 * decodes tags and scalars with protobufjs' `Reader`; length-delimited payloads it is told to skip
 * are never read. Callers `await need(n)` before synchronous reads of up to `n` bytes.
 */
export class WireCursor {
  pos = 0;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private reader: protobuf.Reader = protobuf.Reader.create(this.window);
  private chunkBytes = MIN_CHUNK_BYTES;

  constructor(
    readonly source: ByteSource,
    private readonly maxChunkBytes = 256 * 1024,
  ) {}

  get size(): number {
    return this.source.size;
  }

  /** Whether `n` bytes (or the rest of the source) are buffered at `pos`. */
  has(n: number): boolean {
    const buffered = this.buffered();
    return buffered >= n || buffered >= this.size - this.pos;
  }

  private buffered(): number {
    const offset = this.pos - this.windowStart;
    return offset >= 0 && offset <= this.window.length ? this.window.length - offset : 0;
  }

  /** Buffers at least `n` bytes at `pos`, or up to the end of the source. */
  async need(n: number): Promise<void> {
    if (this.has(n)) return;
    // Sequential reads grow the window; a jump (skipped payload, deferred subgraph) starts small again.
    const sequential = this.pos === this.windowStart + this.window.length;
    this.chunkBytes = sequential ? Math.min(this.chunkBytes * 2, this.maxChunkBytes) : MIN_CHUNK_BYTES;
    const want = Math.max(0, Math.min(Math.max(n, this.chunkBytes), this.size - this.pos));
    this.window = want > 0 ? await this.source.read(this.pos, want) : new Uint8Array(0);
    this.windowStart = this.pos;
    this.reader = protobuf.Reader.create(this.window);
  }

  private run<T>(read: (reader: protobuf.Reader) => T): T {
    const reader = this.reader;
    reader.pos = this.pos - this.windowStart;
    try {
      const value = read(reader);
      this.pos = this.windowStart + reader.pos;
      return value;
    } catch (error) {
      // need() buffers to the end of the source, so reading past the window means past the data.
      if (error instanceof RangeError) {
        throw new FormatError('ONNX_TRUNCATED', `data ends inside a field at byte ${this.pos}`, this.pos);
      }
      throw new FormatError('ONNX_MALFORMED', `${(error as Error).message} at byte ${this.pos}`, this.pos);
    }
  }

  /** Field number and wire type of the next tag. */
  tag(): { field: number; wire: number } {
    const tag = this.run((r) => r.tag());
    return { field: tag >>> 3, wire: tag & 7 };
  }

  /** A length prefix (protobuf caps these below 2^32). */
  length(): number {
    return this.run((r) => r.size());
  }

  /** A varint as a JS number (int64 values beyond 2^53 lose precision, never validity). */
  int64(): number {
    return this.run((r) => toNumber(r.int64() as unknown as Longish));
  }

  /** Skips one varint without interpreting it. */
  skipVarint(): void {
    this.run((r) => r.skip());
  }

  float(): number {
    return this.run((r) => r.float());
  }

  double(): number {
    return this.run((r) => r.double());
  }

  skipFixed(bytes: 4 | 8): void {
    this.run((r) => r.skip(bytes));
  }

  /** Reads `length` bytes as a fresh copy (never a view that pins the window). */
  async bytes(length: number): Promise<Uint8Array> {
    if (this.pos + length > this.size) {
      throw new FormatError('ONNX_TRUNCATED', `a ${length}-byte field at byte ${this.pos} runs past the end of the data`, this.pos);
    }
    if (length > this.maxChunkBytes) {
      const direct = await this.source.read(this.pos, length);
      this.pos += length;
      return direct.slice();
    }
    await this.need(length);
    const offset = this.pos - this.windowStart;
    const copy = this.window.slice(offset, offset + length);
    this.pos += length;
    return copy;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8; invalid sequences become U+FFFD and `valid` tells the caller to report them. */
export function decodeUtf8(bytes: Uint8Array): { text: string; valid: boolean } {
  try {
    return { text: utf8Strict.decode(bytes), valid: true };
  } catch {
    return { text: utf8.decode(bytes), valid: false };
  }
}

/** Whether `wire` is an acceptable encoding of `field` (repeated scalars may be packed or not). */
export function wireMatches(field: protobuf.Field, wire: number): boolean {
  if (field.resolvedType instanceof protobuf.Type) return wire === WIRE_LEN;
  const basic = (protobuf.types.basic as Record<string, number | undefined>)[field.type];
  if (basic === undefined) return wire === WIRE_VARINT || (field.repeated && wire === WIRE_LEN);
  if (wire === basic) return true;
  const packable = (protobuf.types.packed as Record<string, number | undefined>)[field.type] !== undefined;
  return field.repeated && packable && wire === WIRE_LEN;
}
