import type { Finding } from '../../core/finding.js';
import { makeFinding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import type { PlainValue } from '../pickle/facts.js';
import type { NestedReport, ScanContext } from '../types.js';
import { TORCH_CODES } from './codes.js';
import { scanPicklesAt } from './pickle-window.js';
import { storageElementSize } from './storage-types.js';

export interface TarRecordResult {
  findings: Finding[];
  children: NestedReport[];
  pickles: number;
}

function asCount(value: PlainValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function globalOf(value: PlainValue | undefined): string | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'global' in value ? value.global : undefined;
}

/**
 * The legacy tar layout interleaves pickles with raw bytes (torch/serialization.py legacy_load):
 *   storages: count, then per storage a (key, location, storage_type) pickle, int64 numel, numel × element size;
 *   tensors:  count, then per tensor a (key, storage_id, type) pickle, int32 ndim, 4 pad, ndim int64 sizes,
 *             ndim int64 strides, int64 storage offset.
 * Every pickle in them is analysed; a scanner reading only the first would miss the rest.
 */
export async function walkTarRecord(kind: 'storages' | 'tensors', source: ByteSource, ctx: ScanContext): Promise<TarRecordResult> {
  const result: TarRecordResult = { findings: [], children: [], pickles: 0 };
  const bad = (message: string, evidence: Record<string, unknown> = {}) => {
    result.findings.push(makeFinding(TORCH_CODES, 'TORCH_TAR_BAD_RECORD', ctx, `${kind}: ${message}`, evidence));
  };
  let at = 0;
  const nextPickle = async (): Promise<PlainValue | undefined> => {
    const scan = await scanPicklesAt(source, at, 1, ctx);
    result.findings.push(...scan.findings);
    result.children.push(...scan.children);
    result.pickles++;
    const first = scan.facts.pickles[0];
    if (!first || scan.results.length === 0) {
      bad(`no readable pickle at offset ${at}`, { offset: at });
      return undefined;
    }
    at += first.end;
    return scan.results[0] ?? null;
  };
  const count = asCount(await nextPickle());
  if (count === undefined) {
    bad('does not start with a count');
    return result;
  }
  if (count > ctx.limits.maxEntries) {
    bad(`declares ${count} records, over limits.maxEntries`, { count });
    return result;
  }
  for (let i = 0; i < count; i++) {
    const args = await nextPickle();
    if (!Array.isArray(args) || args.length !== 3) {
      bad(`record #${i} is not a 3-tuple`, { index: i });
      return result;
    }
    if (kind === 'storages') {
      const elementSize = storageElementSize(globalOf(args[2]) ?? '');
      const header = await source.read(at, 8);
      if (elementSize === undefined || header.length < 8) {
        bad(`storage #${i} has ${elementSize === undefined ? 'an unknown storage type' : 'no size'}`, { index: i });
        return result;
      }
      const numel = Buffer.from(header).readBigUInt64LE(0);
      const next = BigInt(at) + 8n + numel * BigInt(elementSize);
      if (next > BigInt(source.size)) {
        bad(`storage #${i} runs past the end of the record`, { index: i });
        return result;
      }
      at = Number(next);
    } else {
      const head = await source.read(at, 8);
      const ndim = head.length === 8 ? Buffer.from(head).readInt32LE(0) : -1;
      const next = at + 8 + 16 * ndim + 8;
      if (ndim < 0 || ndim > 64 || next > source.size) {
        bad(`tensor #${i} has a bad shape header`, { index: i });
        return result;
      }
      at = next;
    }
  }
  if (at !== source.size) bad(`${source.size - at} bytes follow the last record`, { offset: at });
  return result;
}
