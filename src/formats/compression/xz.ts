import * as xzModule from 'xz-decompress';
import type { ByteSource } from '../../core/source.js';
import type { DecodeResult } from './decode.js';
import type { BoundedOutput } from './output.js';

type XzStreamClass = new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

// The package is CommonJS: under Node's ESM loader its exports sit on `default`.
const XzReadableStream: XzStreamClass =
  (xzModule as unknown as { default?: { XzReadableStream?: XzStreamClass } }).default?.XzReadableStream ??
  (xzModule as unknown as { XzReadableStream: XzStreamClass }).XzReadableStream;

const STEP = 64 * 1024;

/** xz through xz-decompress (WASM xz-embedded), fed from the source in chunks; stops at the output cap. */
export async function decodeXz(source: ByteSource, output: BoundedOutput): Promise<DecodeResult> {
  let offset = 0;
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= source.size) {
        controller.close();
        return;
      }
      const chunk = await source.read(offset, STEP);
      offset += chunk.length;
      controller.enqueue(new Uint8Array(chunk));
    },
  });
  const reader = new XzReadableStream(input).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return {};
      if (!output.push(value)) {
        await reader.cancel().catch(() => undefined);
        return {};
      }
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
