import type { ByteSource } from '../../core/source.js';
import type { DecodeResult } from './decode.js';
import { inflateFrom } from './inflate.js';
import type { BoundedOutput } from './output.js';

/** zlib (RFC 1950): header check bits and Adler-32 are verified by node:zlib. */
export async function decodeZlib(source: ByteSource, output: BoundedOutput): Promise<DecodeResult> {
  const head = await source.read(0, 2);
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) return { error: 'zlib header check bits are wrong' };
  if (flg & 0x20) return { unsupported: 'zlib stream needs a preset dictionary' };
  const inflated = await inflateFrom(source, 0, 'zlib', output);
  if (inflated.error !== undefined) return { error: inflated.error };
  if (inflated.complete && inflated.consumed < source.size) return { trailingOffset: inflated.consumed };
  return {};
}
