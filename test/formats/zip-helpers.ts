/**
 * Test support for the container scanners: a ScanContext whose scanNested routes by content to our
 * own scanners, and to the pickle analyser when src/formats/pickle exists (else a stand-in that
 * reports the persistent ids registered for that exact pickle).
 */
import { readAll, type ByteSource } from '../../src/core/source.js';
import type { Finding } from '../../src/core/finding.js';
import type { PlainValue } from '../../src/formats/pickle/facts.js';
import { DEFAULT_LIMITS, type FormatReport, type FormatScanner, type ScanContext, type ScanLimits } from '../../src/formats/types.js';
import { sniffKind } from '../../src/formats/zip/sniff.js';

export interface NestedCall {
  label: string;
  location: string;
  nameHint: string | undefined;
  size: number;
  head: string;
}

export interface TestContext extends ScanContext {
  calls: NestedCall[];
}

type Scanners = Partial<Record<string, FormatScanner>>;

let scanners: Scanners | undefined;
let pickleModule: { pickleScanner?: FormatScanner } | undefined | null;

async function loadPickleModule(): Promise<{ pickleScanner?: FormatScanner } | undefined> {
  if (pickleModule === undefined) {
    const specifier = '../../src/formats/pickle/index.js';
    pickleModule = await import(specifier).then(
      (m: { pickleScanner?: FormatScanner }) => (typeof m.pickleScanner?.scan === 'function' ? m : null),
      () => null,
    );
  }
  return pickleModule ?? undefined;
}

export async function hasPickleModule(): Promise<boolean> {
  return (await loadPickleModule()) !== undefined;
}

async function loadScanners(): Promise<Scanners> {
  if (!scanners) {
    const zip = await import('../../src/formats/zip/index.js');
    const found: Scanners = { zip: zip.zipScanner as unknown as FormatScanner };
    for (const path of ['../../src/formats/tar/index.js', '../../src/formats/compression/index.js', '../../src/formats/sevenzip/index.js', '../../src/formats/torch/index.js']) {
      const specifier = path;
      const module = (await import(specifier).catch(() => ({}))) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        const scanner = value as Partial<FormatScanner>;
        if (scanner && typeof scanner === 'object' && typeof scanner.format === 'string' && typeof scanner.scan === 'function') {
          found[scanner.format] = scanner as FormatScanner;
        }
      }
    }
    scanners = found;
  }
  return scanners;
}

const LEGACY_MAGIC = Buffer.from('80028a0a6cfc9c46f9206aa85019', 'hex');

function looksLikeText0Pickle(head: Uint8Array): boolean {
  return head.length > 1 && 'c(]}NIVSLFd'.includes(String.fromCharCode(head[0] as number)) && head[head.length - 1] !== 0;
}

export function emptyReport(format: FormatReport['format'], findings: Finding[] = []): FormatReport {
  return { format, facts: {}, findings, children: [] };
}

export function testContext(options: {
  file?: string;
  limits?: Partial<ScanLimits>;
  pickleIds?: Map<string, PlainValue[]>;
  location?: string[];
  depth?: number;
  calls?: NestedCall[];
} = {}): TestContext {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const calls = options.calls ?? [];
  const location = options.location ?? [];
  const depth = options.depth ?? 0;
  const ctx: TestContext = {
    file: options.file ?? 'model.bin',
    location,
    depth,
    limits,
    calls,
    async scanNested(source: ByteSource, label: string, nameHint?: string): Promise<FormatReport> {
      const head = await source.read(0, 512);
      calls.push({ label, location: [...location, label].join(' > '), nameHint, size: source.size, head: Buffer.from(head).toString('latin1') });
      const child = testContext({ ...options, location: [...location, label], depth: depth + 1, calls });
      if (depth + 1 > limits.maxDepth) return emptyReport('unknown');
      const all = await loadScanners();
      const kind = sniffKind(head);
      if (Buffer.from(head.subarray(0, LEGACY_MAGIC.length)).equals(LEGACY_MAGIC) && all['pytorch-legacy']) {
        return all['pytorch-legacy'].scan(source, child);
      }
      if (kind === 'pickle' || looksLikeText0Pickle(head)) {
        const module = await loadPickleModule();
        if (module?.pickleScanner) return module.pickleScanner.scan(source, child);
        const bytes = Buffer.from(await readAll(source)).toString('latin1');
        return { format: 'pickle', facts: { persistentIds: options.pickleIds?.get(bytes) ?? [] }, findings: [], children: [] };
      }
      const byKind: Record<string, string> = { zip: 'zip', gzip: 'gzip', bzip2: 'bzip2', xz: 'xz', lz4: 'lz4', '7z': '7z', tar: 'tar' };
      const format = byKind[kind];
      if (format && all[format]) return all[format].scan(source, child);
      if (kind === 'numpy') return emptyReport('numpy');
      if (head[0] === 0x78 && all['zlib'] && ((head[0] << 8) | (head[1] ?? 0)) % 31 === 0) return all['zlib'].scan(source, child);
      return emptyReport(source.size === 0 ? 'empty' : 'unknown');
    },
  };
  return ctx;
}

export function codes(report: { findings: Finding[] }): string[] {
  return report.findings.map((f) => f.code);
}

/** Every finding code in a report tree (children included). */
export function allCodes(report: { findings: Finding[]; children: Array<{ report: FormatReport }> }): string[] {
  return [...codes(report), ...report.children.flatMap((c) => allCodes(c.report))];
}

export const realModels = new URL('../../../shared/realmodels/', import.meta.url);
