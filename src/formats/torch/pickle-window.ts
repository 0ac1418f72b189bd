import type { ByteSource } from '../../core/source.js';
import { scanPickles } from '../pickle/index.js';
import type { ScanContext } from '../types.js';

export type PickleScan = Awaited<ReturnType<typeof scanPickles>>;

const FIRST_WINDOW = 64 * 1024;

/**
 * Analyses `count` pickles starting at `offset`, reading a window that grows until they fit
 * (bounded by limits.maxPickleBytes): pickles interleaved with raw tensor bytes cost only themselves.
 * Offsets in the result are relative to `offset`.
 */
export async function scanPicklesAt(source: ByteSource, offset: number, count: number, ctx: ScanContext): Promise<PickleScan> {
  const limit = Math.min(Math.max(0, source.size - offset), ctx.limits.maxPickleBytes);
  let window = Math.min(limit, FIRST_WINDOW);
  for (;;) {
    const bytes = await source.read(offset, window);
    const scan = await scanPickles(bytes, ctx, { maxPickles: count, allowTrailing: true });
    const enough = scan.facts.pickles.length >= count && scan.end < bytes.length;
    if (enough || window >= limit) return scan;
    window = Math.min(limit, window * 4);
  }
}
