import type { ByteSource } from '../../core/source.js';
import type { DecodeResult } from './decode.js';
import { inflateFrom } from './inflate.js';
import type { BoundedOutput } from './output.js';

const FTEXT_RESERVED = 0xe0;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** Offset of the deflate body after a gzip member header at `at`, or an error. */
async function memberBody(source: ByteSource, at: number): Promise<number | string> {
  const head = await source.read(at, 10);
  if (head.length < 10 || head[0] !== 0x1f || head[1] !== 0x8b) return 'not a gzip member header';
  if (head[2] !== 8) return `compression method ${head[2]} is not deflate`;
  const flags = head[3] as number;
  if (flags & FTEXT_RESERVED) return `reserved header flags 0x${flags.toString(16)}`;
  let p = at + 10;
  if (flags & FEXTRA) {
    const len = await source.read(p, 2);
    if (len.length < 2) return 'header is truncated';
    p += 2 + ((len[0] as number) | ((len[1] as number) << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    // Zero-terminated; bounded so a header cannot make us read the whole file.
    const text = await source.read(p, 64 * 1024);
    const nul = text.indexOf(0);
    if (nul < 0) return 'header name or comment is unterminated';
    p += nul + 1;
  }
  if (flags & FHCRC) p += 2;
  return p > source.size ? 'header is truncated' : p;
}

/** gzip, including concatenated members (gzip -c a b > ab.gz), each checked against its CRC-32 and ISIZE. */
export async function decodeGzip(source: ByteSource, output: BoundedOutput): Promise<DecodeResult> {
  const result: DecodeResult = { members: 0 };
  let at = 0;
  for (;;) {
    const body = await memberBody(source, at);
    if (typeof body === 'string') {
      if (result.members === 0) result.error = body;
      else result.trailingOffset = at;
      return result;
    }
    const before = output.produced;
    const inflated = await inflateFrom(source, body, 'raw', output);
    result.members = (result.members ?? 0) + 1;
    if (inflated.error !== undefined) {
      result.error = `member #${result.members}: ${inflated.error}`;
      return result;
    }
    if (!inflated.complete) return result;
    const trailerAt = body + inflated.consumed;
    const trailer = Buffer.from(await source.read(trailerAt, 8));
    if (trailer.length < 8) {
      result.error = `member #${result.members}: trailer is truncated`;
      return result;
    }
    const size = (output.produced - before) >>> 0;
    if (trailer.readUInt32LE(0) !== inflated.crc || trailer.readUInt32LE(4) !== size) {
      result.error = `member #${result.members}: CRC-32 or length in the trailer does not match the data`;
      return result;
    }
    at = trailerAt + 8;
    if (at >= source.size) return result;
    const next = await source.read(at, 2);
    if (next[0] !== 0x1f || next[1] !== 0x8b) {
      result.trailingOffset = at;
      return result;
    }
  }
}
