import { sliceSource, type ByteSource } from '../../core/source.js';
import type { PickleFacts, PlainValue } from '../pickle/facts.js';
import { scanPickles } from '../pickle/index.js';
import { FindingSink } from '../zip/finding-sink.js';
import type { FormatReport, FormatScanner, NestedReport, ScanContext } from '../types.js';
import { TORCH_CODES } from './codes.js';
import { summarisePersistentIds, type StorageRef } from './persistent-ids.js';
import { storageElementSize } from './storage-types.js';

/** torch.serialization.MAGIC_NUMBER and PROTOCOL_VERSION, as torch.save writes them. */
export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
export const LEGACY_PROTOCOL = 1001;
const PICKLE_NAMES = ['magic number', 'protocol version', 'sys_info', 'main', 'storage keys'] as const;
const FIRST_WINDOW = 1024 * 1024;

export interface TorchLegacyFacts {
  pickles: Array<{ name: string; start: number; end: number }>;
  magicLiteral: boolean;
  protocolVersion?: number;
  storageKeys: number;
  /** Offset where raw storage data starts, and where the last storage ends. */
  dataStart?: number;
  dataEnd?: number;
  modules: number;
  pickle?: PickleFacts;
}

type PickleScan = Awaited<ReturnType<typeof scanPickles>>;

function bigintOf(value: PlainValue | undefined): bigint | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'bigint' in value) {
    try {
      return BigInt(value.bigint);
    } catch {
      // Not an integer literal after all.
      return undefined;
    }
  }
  return undefined;
}

function isPlainDict(value: PlainValue | undefined): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'dict' in value;
}

/**
 * Reads the five leading pickles, growing the window until they fit: a multi-GiB legacy file
 * costs only its pickles, never its storages.
 */
async function readPickles(source: ByteSource, ctx: ScanContext): Promise<PickleScan> {
  const limit = Math.min(source.size, ctx.limits.maxPickleBytes);
  let window = Math.min(limit, FIRST_WINDOW);
  for (;;) {
    const bytes = await source.read(0, window);
    const scan = await scanPickles(bytes, ctx, { maxPickles: 5, allowTrailing: true });
    const enough = scan.facts.pickles.length >= 5 && scan.end <= bytes.length;
    if (enough || window >= limit) return scan;
    window = Math.min(limit, window * 4);
  }
}

export async function scanTorchLegacy(source: ByteSource, ctx: ScanContext): Promise<FormatReport<TorchLegacyFacts>> {
  const sink = new FindingSink(ctx);
  const children: NestedReport[] = [];
  const scan = await readPickles(source, ctx);
  sink.push(...scan.findings);
  children.push(...scan.children);
  const ranges = scan.facts.pickles;
  const facts: TorchLegacyFacts = {
    pickles: ranges.slice(0, 5).map((p, i) => ({ name: PICKLE_NAMES[i] as string, start: p.start, end: p.end })),
    magicLiteral: false,
    storageKeys: 0,
    modules: 0,
    pickle: scan.facts,
  };
  const done = (): FormatReport<TorchLegacyFacts> => ({
    format: 'pytorch-legacy',
    facts,
    findings: sink.finish([TORCH_CODES]),
    children,
  });

  const callsIn = (index: number): string[] => {
    const range = ranges[index];
    if (!range) return [];
    const within = (offset: number) => offset >= range.start && offset < range.end;
    return [
      ...scan.facts.calls.filter((c) => within(c.offset)).map((c) => c.target),
      ...scan.facts.imports.filter((i) => within(i.offset)).map((i) => `${i.module}.${i.name}`),
    ];
  };

  const magic = bigintOf(scan.results[0]);
  const magicCalls = callsIn(0);
  facts.magicLiteral = magicCalls.length === 0 && magic !== undefined;
  if (magicCalls.length > 0) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_MAGIC_NOT_LITERAL', `the magic-number pickle calls or imports ${magicCalls.slice(0, 5).join(', ')} instead of holding a literal`, {
      calls: magicCalls.slice(0, 20),
    });
  } else if (magic !== LEGACY_MAGIC) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_BAD_MAGIC', `first pickle is ${JSON.stringify(scan.results[0] ?? null)}, not the torch magic number`);
  }
  if (ranges.length < 5 || scan.results.length < 5) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_TRUNCATED', `only ${Math.min(ranges.length, scan.results.length)} of the 5 legacy pickles could be read`, {
      pickles: ranges.length,
    });
    return done();
  }

  const protocol = bigintOf(scan.results[1]);
  if (protocol !== undefined) facts.protocolVersion = Number(protocol);
  if (protocol !== BigInt(LEGACY_PROTOCOL) || callsIn(1).length > 0) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_BAD_PROTOCOL', `protocol-version pickle is ${JSON.stringify(scan.results[1])}, torch writes ${LEGACY_PROTOCOL}`, {
      calls: callsIn(1).slice(0, 20),
    });
  }
  if (!isPlainDict(scan.results[2]) || callsIn(2).length > 0) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_BAD_SYS_INFO', `sys_info pickle is not a plain dict${callsIn(2).length > 0 ? ` (it calls ${callsIn(2).slice(0, 5).join(', ')})` : ''}`, {
      calls: callsIn(2).slice(0, 20),
    });
  }
  const keysValue = scan.results[4];
  const keys = Array.isArray(keysValue) && keysValue.every((k) => typeof k === 'string') ? (keysValue as string[]) : undefined;
  if (!keys || callsIn(4).length > 0) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_BAD_KEYS', `storage-keys pickle is not a list of strings${callsIn(4).length > 0 ? ` (it calls ${callsIn(4).slice(0, 5).join(', ')})` : ''}`, {
      calls: callsIn(4).slice(0, 20),
    });
    return done();
  }
  facts.storageKeys = keys.length;

  const summary = summarisePersistentIds(scan.facts.persistentIds);
  facts.modules = summary.modules;
  if (summary.malformed.length > 0) {
    sink.add(TORCH_CODES, 'TORCH_BAD_PERSISTENT_ID', `${summary.malformed.length} persistent ids are neither storages nor modules`, {
      ids: summary.malformed.slice(0, 10),
    });
  }
  const byKey = new Map<string, StorageRef>();
  for (const ref of summary.storages) if (!byKey.has(ref.key)) byKey.set(ref.key, ref);

  const dataStart = ranges[4]?.end ?? scan.end;
  facts.dataStart = dataStart;
  const end = await walkStorages(source, dataStart, keys, byKey, sink);
  facts.dataEnd = end;
  if (end !== undefined && end < source.size) {
    sink.add(TORCH_CODES, 'TORCH_LEGACY_TRAILING_DATA', `${source.size - end} bytes follow the last storage`, { offset: end, bytes: source.size - end });
    const trailing = sliceSource(source, end, source.size - end, '<trailing>');
    children.push({ label: '<trailing>', report: await ctx.scanNested(trailing, '<trailing>') });
  }
  return done();
}

/** Storages follow the keys pickle in key order: an int64 LE element count, then count × element size bytes. */
async function walkStorages(
  source: ByteSource,
  start: number,
  keys: readonly string[],
  byKey: ReadonlyMap<string, StorageRef>,
  sink: FindingSink,
): Promise<number | undefined> {
  let at = start;
  const referenced = new Set(keys);
  for (const ref of byKey.values()) {
    if (!referenced.has(ref.key)) {
      sink.add(TORCH_CODES, 'TORCH_LEGACY_STORAGE_MISMATCH', `main pickle references storage "${ref.key}", absent from the keys pickle`, { key: ref.key });
    }
  }
  for (const key of keys) {
    const ref = byKey.get(key);
    const elementSize = ref ? storageElementSize(ref.storageType) : undefined;
    if (!ref || elementSize === undefined) {
      sink.add(TORCH_CODES, 'TORCH_LEGACY_STORAGE_MISMATCH', ref ? `storage "${key}" has unknown type ${ref.storageType}; its size cannot be checked` : `storage key "${key}" is not referenced by the main pickle; the raw layout cannot be followed`, {
        key,
      });
      return undefined;
    }
    const header = await source.read(at, 8);
    if (header.length < 8) {
      sink.add(TORCH_CODES, 'TORCH_LEGACY_TRUNCATED', `file ends at ${source.size} before the size of storage "${key}"`, { key, offset: at });
      return undefined;
    }
    const count = Buffer.from(header).readBigUInt64LE(0);
    if (ref.numel !== undefined && count !== BigInt(ref.numel)) {
      sink.add(TORCH_CODES, 'TORCH_LEGACY_STORAGE_MISMATCH', `storage "${key}" holds ${count} elements, the main pickle declares ${ref.numel}`, {
        key,
        count: count.toString(),
        declared: ref.numel,
      });
    }
    const next = BigInt(at) + 8n + count * BigInt(elementSize);
    if (next > BigInt(source.size)) {
      sink.add(TORCH_CODES, 'TORCH_LEGACY_TRUNCATED', `storage "${key}" needs ${count * BigInt(elementSize)} bytes at ${at + 8}, past the end of the file`, {
        key,
        offset: at,
      });
      return undefined;
    }
    at = Number(next);
  }
  return at;
}

/** Pre-1.6 torch.save layout: five pickles, then raw storages. */
export const torchLegacyScanner: FormatScanner<TorchLegacyFacts> = { format: 'pytorch-legacy', scan: scanTorchLegacy };
