import Bunzip from 'seek-bzip';
import type { ByteSource } from '../../core/source.js';
import type { DecodeResult } from './decode.js';
import type { BoundedOutput } from './output.js';

class Stop extends Error {}

/** bzip2 (all concatenated streams) through seek-bzip, pure JS; output bounded byte by byte. */
export async function decodeBzip2(source: ByteSource, output: BoundedOutput, inputLimit: number): Promise<DecodeResult> {
  if (source.size > inputLimit) return { unsupported: `compressed size ${source.size} is over limits.maxInflateBytes` };
  const input = await source.read(0, source.size);
  let block = new Uint8Array(64 * 1024);
  let used = 0;
  const flush = () => {
    const ok = output.push(block.slice(0, used));
    used = 0;
    return ok;
  };
  const sink = {
    writeByte(byte: number) {
      block[used++] = byte;
      if (used === block.length && !flush()) throw new Stop();
    },
  };
  try {
    Bunzip.decode(input, sink, true);
    flush();
    return {};
  } catch (error) {
    if (error instanceof Stop) return {};
    flush();
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    block = new Uint8Array(0);
  }
}
