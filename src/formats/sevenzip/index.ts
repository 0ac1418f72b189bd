import { bufferSource, type ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, NestedReport, ScanContext } from '../types.js';
import { FindingSink } from '../zip/finding-sink.js';
import { nameProblems } from '../zip/names.js';
import { SEVENZIP_CODES } from './codes.js';
import { parseSignatureHeader, SIGNATURE_HEADER_SIZE } from './header.js';
import { parseListing, type SevenZipEntry } from './listing.js';
import { createSevenZip } from './seven-zip.js';

export { SEVENZIP_CODES } from './codes.js';
export { parseSignatureHeader } from './header.js';

export interface SevenZipFacts {
  version: string;
  nextHeaderOffset: number;
  nextHeaderSize: number;
  entries: Array<{ name: string; size: number; packedSize: number; kind: string }>;
  extracted: boolean;
}

const RATIO_FLOOR = 16 * 1024 * 1024;
const ARCHIVE = '/in/archive.7z';
const OUT = '/out';
// A wrong password makes 7-Zip fail instead of prompting on stdin.
const NO_PASSWORD = '-pmodelscan-no-password';

/**
 * 7z through 7-Zip compiled to WASM (package 7z-wasm), entirely in memory: list, check the declared
 * sizes against the limits, extract, and scan every member through scanNested.
 */
export async function scanSevenZip(source: ByteSource, ctx: ScanContext): Promise<FormatReport<SevenZipFacts>> {
  const sink = new FindingSink(ctx);
  const add = (code: keyof typeof SEVENZIP_CODES, message: string, evidence: Record<string, unknown> = {}) =>
    sink.add(SEVENZIP_CODES, code, message, evidence);
  const children: NestedReport[] = [];
  const header = parseSignatureHeader(await source.read(0, SIGNATURE_HEADER_SIZE), source.size);
  const facts: SevenZipFacts = {
    version: header.version,
    nextHeaderOffset: header.nextHeaderOffset,
    nextHeaderSize: header.nextHeaderSize,
    entries: [],
    extracted: false,
  };
  const done = (): FormatReport<SevenZipFacts> => ({ format: '7z', facts, findings: sink.finish([SEVENZIP_CODES]), children });
  for (const problem of header.problems) add('SEVENZIP_BAD_HEADER', problem);
  if (source.size > ctx.limits.maxInflateBytes) {
    add('SEVENZIP_UNSCANNABLE', `archive of ${source.size} bytes is over limits.maxInflateBytes; not extracted`);
    return done();
  }

  let sevenZip;
  try {
    sevenZip = await createSevenZip();
    sevenZip.mkdir('/in');
    sevenZip.mkdir(OUT);
    sevenZip.writeFile(ARCHIVE, await source.read(0, source.size));
  } catch (error) {
    add('SEVENZIP_UNSCANNABLE', `7-Zip (WASM) is unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return done();
  }

  const listing = sevenZip.run(['l', '-slt', NO_PASSWORD, ARCHIVE]);
  const entries = parseListing(listing.lines);
  if (listing.code !== 0) {
    const encrypted = listing.lines.some((l) => /password|encrypted/i.test(l));
    add(encrypted ? 'SEVENZIP_ENCRYPTED' : 'SEVENZIP_UNSCANNABLE', `7-Zip could not list the archive (exit ${listing.code}): ${errorText(listing.lines)}`);
    return done();
  }
  facts.entries = entries.map((e) => ({ name: e.path, size: e.size, packedSize: e.packedSize, kind: e.folder ? 'directory' : 'unscanned' }));
  if (!checkEntries(entries, source.size, ctx, add)) return done();

  const extract = sevenZip.run(['x', `-o${OUT}`, '-y', NO_PASSWORD, ARCHIVE]);
  facts.extracted = extract.code === 0;
  if (extract.code !== 0) add('SEVENZIP_EXTRACT_FAILED', `7-Zip extraction failed (exit ${extract.code}): ${errorText(extract.lines)}; scanning what was extracted`);

  for (const file of sevenZip.walk(OUT)) {
    if (file.link) {
      add('SEVENZIP_LINK_ENTRY', `entry ${JSON.stringify(file.path)} is a symbolic link`, { entry: file.path });
      continue;
    }
    const data = sevenZip.readFile(`${OUT}/${file.path}`);
    const report = await ctx.scanNested(bufferSource(data, file.path), file.path, file.path);
    children.push({ label: file.path, report });
    const fact = facts.entries.find((e) => e.name === file.path && e.kind === 'unscanned');
    if (fact) fact.kind = report.format;
  }
  return done();
}

function errorText(lines: readonly string[]): string {
  return lines.filter((l) => /error|can ?not|unsupported|wrong|exception/i.test(l)).slice(0, 3).join(' | ').slice(0, 300) || 'no detail';
}

function checkEntries(
  entries: readonly SevenZipEntry[],
  archiveSize: number,
  ctx: ScanContext,
  add: (code: keyof typeof SEVENZIP_CODES, message: string, evidence?: Record<string, unknown>) => void,
): boolean {
  let ok = true;
  if (entries.length > ctx.limits.maxEntries) {
    add('SEVENZIP_TOO_MANY_ENTRIES', `${entries.length} entries, over limits.maxEntries`, { entries: entries.length });
    ok = false;
  }
  for (const entry of entries) {
    if (entry.encrypted) add('SEVENZIP_ENCRYPTED', `entry ${JSON.stringify(entry.path)} is encrypted`, { entry: entry.path });
    if (entry.link) add('SEVENZIP_LINK_ENTRY', `entry ${JSON.stringify(entry.path)} is a symbolic link`, { entry: entry.path });
    const problems = nameProblems(entry.path).filter((p) => p !== 'backslash');
    if (problems.length > 0) add('SEVENZIP_UNSAFE_NAME', `entry ${JSON.stringify(entry.path)}: ${problems.join(', ')}`, { entry: entry.path });
  }
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  const ratioCap = Math.max(RATIO_FLOOR, archiveSize * ctx.limits.maxCompressionRatio);
  if (total > ctx.limits.maxInflateBytes || total > ratioCap) {
    add('SEVENZIP_BOMB', `entries declare ${total} unpacked bytes from a ${archiveSize}-byte archive; not extracted`, { total, archiveSize });
    ok = false;
  }
  return ok;
}

export const sevenZipScanner: FormatScanner<SevenZipFacts> = { format: '7z', scan: scanSevenZip };
