import { sliceSource, type ByteSource } from '../../core/source.js';
import type { ScanLimits } from '../types.js';
import { readCentralDirectory, readEndRecord, type CentralEntry, type EndRecord, type Report } from './central-directory.js';
import { inflatingSource, type InflatingSource } from './inflate-source.js';
import { readLocalHeader, type LocalHeader } from './local-header.js';
import { describeNameProblem, nameProblems, type NameProblem } from './names.js';
import type { ZipCode } from './codes.js';

const NAME_CODES: Record<NameProblem, ZipCode> = {
  empty: 'ZIP_BAD_NAME',
  control: 'ZIP_BAD_NAME',
  backslash: 'ZIP_BACKSLASH_NAME',
  absolute: 'ZIP_ABSOLUTE_PATH',
  traversal: 'ZIP_PATH_TRAVERSAL',
};

export const STORED = 0;
export const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_PATCHED = 0x0020;
const FLAG_STRONG_ENCRYPTION = 0x0040;
/** Ratios are only meaningful once the output is big enough to hurt. */
const BOMB_MIN_SIZE = 1024 * 1024;

export interface ZipMember extends CentralEntry {
  local?: LocalHeader;
  /** Offset of the entry's data, from the local header (what miniz uses). */
  dataOffset?: number;
  /** Set when the content cannot be read at all (no local header, unsupported method). */
  unreadable?: string;
}

export interface ZipArchive {
  end: EndRecord | undefined;
  members: ZipMember[];
  /** Bytes before the first local header: not part of the archive as miniz reads it. */
  prefixLength: number;
}

export async function readZip(source: ByteSource, limits: ScanLimits, report: Report): Promise<ZipArchive> {
  const end = await readEndRecord(source, report);
  if (!end) return { end, members: [], prefixLength: 0 };
  const central = await readCentralDirectory(source, end, limits.maxEntries, report);
  const members: ZipMember[] = [];
  for (const entry of central) members.push(await readMember(source, entry, limits, report));
  checkDuplicates(members, report);
  checkOverlaps(members, end, report);
  const firstOffset = members.reduce((low, m) => Math.min(low, m.localOffset), members.length > 0 ? Infinity : end.cdOffset);
  const prefixLength = Math.max(0, Math.min(firstOffset, source.size));
  if (prefixLength > 0) {
    report('ZIP_PREFIX_DATA', `${prefixLength} bytes precede the first local header (a file that is also something else)`, {
      bytes: prefixLength,
    });
  }
  if (end.comment.length > 0) report('ZIP_COMMENT', `archive comment of ${end.comment.length} bytes`, { bytes: end.comment.length });
  if (end.end < source.size) {
    report('ZIP_TRAILING_DATA', `${source.size - end.end} bytes follow the end-of-central-directory record`, {
      bytes: source.size - end.end,
    });
  }
  return { end, members, prefixLength };
}

async function readMember(source: ByteSource, entry: CentralEntry, limits: ScanLimits, report: Report): Promise<ZipMember> {
  const member: ZipMember = { ...entry };
  const name = JSON.stringify(entry.name);
  for (const problem of nameProblems(entry.name)) report(NAME_CODES[problem], `entry ${name} ${describeNameProblem(problem)}`, { entry: entry.name });
  if (entry.flags & FLAG_ENCRYPTED) {
    report('ZIP_ENCRYPTED', `entry ${name} is flagged encrypted (bit 0); torch ignores the flag, so its bytes are scanned as stored`, {
      entry: entry.name,
      flags: entry.flags,
    });
  }
  if (entry.flags & (FLAG_PATCHED | FLAG_STRONG_ENCRYPTION)) {
    report('ZIP_UNUSUAL_FLAGS', `entry ${name} sets general-purpose flags 0x${entry.flags.toString(16)} (patched data / strong encryption)`, {
      entry: entry.name,
      flags: entry.flags,
    });
  }
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    report('ZIP_UNSUPPORTED_METHOD', `entry ${name} uses compression method ${entry.method}; its content cannot be scanned`, {
      entry: entry.name,
      method: entry.method,
    });
    member.unreadable = `compression method ${entry.method}`;
  }
  if (entry.size > BOMB_MIN_SIZE && entry.size > entry.compressedSize * limits.maxCompressionRatio) {
    report('ZIP_BOMB', `entry ${name} declares ${entry.size} bytes from ${entry.compressedSize} compressed (ratio over ${limits.maxCompressionRatio})`, {
      entry: entry.name,
      size: entry.size,
      compressedSize: entry.compressedSize,
    });
  }
  const local = entry.localOffset < source.size ? await readLocalHeader(source, entry.localOffset) : undefined;
  if (!local) {
    report('ZIP_LOCAL_HEADER_CORRUPT', `entry ${name}: no local file header at offset ${entry.localOffset}`, {
      entry: entry.name,
      offset: entry.localOffset,
    });
    member.unreadable ??= 'no local header';
    return member;
  }
  member.local = local;
  member.dataOffset = local.dataOffset;
  if (local.key !== entry.key) {
    report('ZIP_NAME_MISMATCH', `entry ${name} is named ${JSON.stringify(local.name)} in its local header`, {
      entry: entry.name,
      localName: local.name,
    });
  }
  const mismatches: string[] = [];
  if (local.method !== entry.method) mismatches.push(`method ${local.method} vs ${entry.method}`);
  if (!(local.flags & FLAG_DATA_DESCRIPTOR) && !(entry.flags & FLAG_DATA_DESCRIPTOR)) {
    // zip64 entries keep 0xFFFFFFFF in the local header and the real values in its extra field.
    if (local.compressedSize !== 0xffffffff && local.compressedSize !== entry.compressedSize) {
      mismatches.push(`compressed size ${local.compressedSize} vs ${entry.compressedSize}`);
    }
    if (local.size !== 0xffffffff && local.size !== entry.size) mismatches.push(`size ${local.size} vs ${entry.size}`);
    if (local.crc32 !== entry.crc32) mismatches.push(`crc ${local.crc32.toString(16)} vs ${entry.crc32.toString(16)}`);
  }
  if (mismatches.length > 0) {
    report('ZIP_HEADER_MISMATCH', `entry ${name}: local header disagrees with the central directory (${mismatches.join(', ')})`, {
      entry: entry.name,
      mismatches,
    });
  }
  if (entry.method === STORED && entry.size !== entry.compressedSize) {
    report('ZIP_SIZE_MISMATCH', `stored entry ${name} declares size ${entry.size} but ${entry.compressedSize} stored bytes`, {
      entry: entry.name,
    });
  }
  if (local.dataOffset + entry.compressedSize > source.size) {
    report('ZIP_ENTRY_OUT_OF_BOUNDS', `entry ${name} data [${local.dataOffset}, ${local.dataOffset + entry.compressedSize}) runs past the end of the file (${source.size})`, {
      entry: entry.name,
    });
  }
  return member;
}

function checkDuplicates(members: ZipMember[], report: Report): void {
  const seen = new Map<string, number>();
  for (const member of members) {
    const first = seen.get(member.key);
    if (first === undefined) seen.set(member.key, member.index);
    else {
      report('ZIP_DUPLICATE_NAME', `entries #${first} and #${member.index} are both named ${JSON.stringify(member.name)}; both are scanned`, {
        entry: member.name,
        indexes: [first, member.index],
      });
    }
  }
}

function checkOverlaps(members: ZipMember[], end: EndRecord, report: Report): void {
  const spans = members
    .filter((m) => m.dataOffset !== undefined)
    .map((m) => ({ name: m.name, from: m.localOffset, to: (m.dataOffset as number) + m.compressedSize }))
    .sort((a, b) => a.from - b.from || a.to - b.to);
  let furthest: { name: string; to: number } | undefined;
  for (const span of spans) {
    if (furthest && span.from < furthest.to) {
      report('ZIP_OVERLAPPING_ENTRIES', `entry ${JSON.stringify(span.name)} overlaps entry ${JSON.stringify(furthest.name)}`, {
        entry: span.name,
        other: furthest.name,
      });
    }
    if (span.to > end.cdOffset && span.from < end.cdOffset + end.cdSize) {
      report('ZIP_OVERLAPPING_ENTRIES', `entry ${JSON.stringify(span.name)} overlaps the central directory`, { entry: span.name });
    }
    if (!furthest || span.to > furthest.to) furthest = span;
  }
}

/** The bytes a loader would read for this entry: a window for stored data, a lazy bounded inflater for deflate. */
export function openMember(source: ByteSource, member: ZipMember, cap: number, label: string): ByteSource | InflatingSource | undefined {
  if (member.unreadable !== undefined || member.dataOffset === undefined) return undefined;
  const available = Math.max(0, Math.min(member.compressedSize, source.size - member.dataOffset));
  const raw = sliceSource(source, member.dataOffset, available, label);
  if (member.method === STORED) return raw;
  return inflatingSource(raw, member.size, cap, label);
}
