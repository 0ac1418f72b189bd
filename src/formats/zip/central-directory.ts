import type { ByteSource } from '../../core/source.js';
import { byteKey, decodeUtf8, u16, u32, u64 } from './bytes.js';
import type { ZipCode } from './codes.js';

export type Report = (code: ZipCode, message: string, evidence?: Record<string, unknown>) => void;

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export interface EndRecord {
  eocdOffset: number;
  entryCount: number;
  cdOffset: number;
  cdSize: number;
  comment: Uint8Array;
  zip64: boolean;
  /** Offset just past the EOCD record and its declared comment. */
  end: number;
  /** Where the central directory must end: the zip64 record, or the EOCD record. */
  cdLimit: number;
}

export interface CentralEntry {
  index: number;
  name: string;
  /** Raw name bytes as latin1: names are compared byte for byte, like miniz. */
  key: string;
  rawName: Uint8Array;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  externalAttributes: number;
  versionMadeBy: number;
}

/**
 * Finds the end record the way miniz (torch) and Python's zipfile do: the last signature with room for
 * the 22-byte record after it, whatever its comment length says. A comment length that runs past the
 * end of the file is reported, never used to skip to an earlier record (which neither loader reads).
 */
export async function readEndRecord(source: ByteSource, report: Report): Promise<EndRecord | undefined> {
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (u32(tail, i) === EOCD_SIG) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    report('ZIP_NO_END_RECORD', `no end-of-central-directory record in the last ${tailLength} bytes`);
    return undefined;
  }
  const disk = u16(tail, at + 4) ?? 0;
  const cdDisk = u16(tail, at + 6) ?? 0;
  const entriesOnDisk = u16(tail, at + 8) ?? 0;
  let entryCount = u16(tail, at + 10) ?? 0;
  let cdSize = u32(tail, at + 12) ?? 0;
  let cdOffset = u32(tail, at + 16) ?? 0;
  const declaredComment = u16(tail, at + 20) ?? 0;
  const commentLength = Math.min(declaredComment, tail.length - at - EOCD_SIZE);
  if (commentLength < declaredComment) {
    report('ZIP_END_RECORD_COMMENT_OVERRUN', `end record at ${tailStart + at} declares a ${declaredComment}-byte comment but only ${commentLength} bytes follow it`, {
      offset: tailStart + at,
      declared: declaredComment,
      available: commentLength,
    });
  }
  const comment = tail.subarray(at + EOCD_SIZE, at + EOCD_SIZE + commentLength);
  const eocdOffset = tailStart + at;
  let zip64 = false;
  let cdLimit = eocdOffset;

  if (eocdOffset >= 20) {
    const locator = await source.read(eocdOffset - 20, 20);
    if (u32(locator, 0) === ZIP64_LOCATOR_SIG) {
      zip64 = true;
      const recordOffset = u64(locator, 8);
      const record = recordOffset === undefined ? new Uint8Array(0) : await source.read(recordOffset, 56);
      if (recordOffset === undefined || u32(record, 0) !== ZIP64_EOCD_SIG || record.length < 56) {
        report('ZIP_BAD_END_RECORD', `zip64 locator points at ${String(recordOffset)}, where there is no zip64 end record`);
        return undefined;
      }
      const count = u64(record, 32);
      const size = u64(record, 40);
      const offset = u64(record, 48);
      if (count === undefined || size === undefined || offset === undefined) {
        report('ZIP_BAD_END_RECORD', 'zip64 end record holds out-of-range values');
        return undefined;
      }
      if ((u32(record, 16) ?? 0) !== 0 || (u32(record, 20) ?? 0) !== 0) {
        report('ZIP_MULTI_DISK', 'zip64 end record names a disk other than 0');
      }
      entryCount = count;
      cdSize = size;
      cdOffset = offset;
      cdLimit = recordOffset;
    }
  }
  if (!zip64 && (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== entryCount)) {
    report('ZIP_MULTI_DISK', `end record describes a spanned archive (disk ${disk}, central directory disk ${cdDisk})`);
  }
  if (cdOffset + cdSize > cdLimit) {
    report(
      'ZIP_BAD_END_RECORD',
      `central directory [${cdOffset}, ${cdOffset + cdSize}) runs past the end record at ${cdLimit}`,
      { cdOffset, cdSize, cdLimit },
    );
  }
  if (cdOffset + cdSize < cdLimit) {
    // Python's zipfile reads the directory that ends right at the end record and shifts every entry
    // offset by the difference ("concat"), so the bytes in the gap are the archive it sees.
    report('ZIP_CENTRAL_DIRECTORY_GAP', `${cdLimit - cdOffset - cdSize} bytes lie between the central directory [${cdOffset}, ${cdOffset + cdSize}) and the end record at ${cdLimit}`, {
      cdOffset,
      cdSize,
      cdLimit,
    });
  }
  return { eocdOffset, entryCount, cdOffset, cdSize, comment, zip64, end: eocdOffset + EOCD_SIZE + commentLength, cdLimit };
}

/**
 * Walks the central directory entry by entry, the way miniz indexes it: stops only when a record's
 * signature or length is broken, and keeps every entry read so far.
 */
export async function readCentralDirectory(
  source: ByteSource,
  end: EndRecord,
  maxEntries: number,
  report: Report,
): Promise<CentralEntry[]> {
  const available = Math.max(0, Math.min(end.cdSize, end.cdLimit - end.cdOffset));
  const cd = await source.read(end.cdOffset, available);
  const entries: CentralEntry[] = [];
  let at = 0;
  while (at < cd.length) {
    if (entries.length >= maxEntries) {
      report('ZIP_TOO_MANY_ENTRIES', `central directory holds more than ${maxEntries} entries; the rest were not read`, {
        maxEntries,
      });
      return entries;
    }
    if (u32(cd, at) !== CENTRAL_SIG || at + 46 > cd.length) {
      report('ZIP_CENTRAL_DIRECTORY_CORRUPT', `central directory record #${entries.length} at offset ${end.cdOffset + at} is broken`, {
        offset: end.cdOffset + at,
      });
      return entries;
    }
    const nameLength = u16(cd, at + 28) ?? 0;
    const extraLength = u16(cd, at + 30) ?? 0;
    const commentLength = u16(cd, at + 32) ?? 0;
    const recordEnd = at + 46 + nameLength + extraLength + commentLength;
    if (recordEnd > cd.length) {
      report('ZIP_CENTRAL_DIRECTORY_CORRUPT', `central directory record #${entries.length} is truncated`, {
        offset: end.cdOffset + at,
      });
      return entries;
    }
    const rawName = cd.subarray(at + 46, at + 46 + nameLength);
    const entry: CentralEntry = {
      index: entries.length,
      name: decodeUtf8(rawName),
      key: byteKey(rawName),
      rawName,
      versionMadeBy: u16(cd, at + 4) ?? 0,
      flags: u16(cd, at + 8) ?? 0,
      method: u16(cd, at + 10) ?? 0,
      crc32: u32(cd, at + 16) ?? 0,
      compressedSize: u32(cd, at + 20) ?? 0,
      size: u32(cd, at + 24) ?? 0,
      externalAttributes: u32(cd, at + 38) ?? 0,
      localOffset: u32(cd, at + 42) ?? 0,
    };
    applyZip64Extra(entry, cd.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), report);
    entries.push(entry);
    at = recordEnd;
  }
  if (entries.length !== end.entryCount) {
    report(
      'ZIP_ENTRY_COUNT_MISMATCH',
      `end record declares ${end.entryCount} entries, the central directory holds ${entries.length}`,
      { declared: end.entryCount, found: entries.length },
    );
  }
  if (available < end.cdSize) {
    report('ZIP_CENTRAL_DIRECTORY_CORRUPT', `central directory is cut short by the end of the file`, {
      declared: end.cdSize,
      available,
    });
  }
  return entries;
}

const MAX32 = 0xffffffff;

/** Zip64 extended information (0x0001) holds, in order, only the fields whose 32-bit slot is 0xFFFFFFFF. */
function applyZip64Extra(entry: CentralEntry, extra: Uint8Array, report: Report): void {
  const needs = entry.size === MAX32 || entry.compressedSize === MAX32 || entry.localOffset === MAX32;
  if (!needs) return;
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = u16(extra, at) ?? 0;
    const length = u16(extra, at + 2) ?? 0;
    const body = extra.subarray(at + 4, at + 4 + length);
    if (id === 0x0001) {
      let p = 0;
      const next = (): number | undefined => {
        const value = u64(body, p);
        p += 8;
        return value;
      };
      if (entry.size === MAX32) entry.size = next() ?? Number.NaN;
      if (entry.compressedSize === MAX32) entry.compressedSize = next() ?? Number.NaN;
      if (entry.localOffset === MAX32) entry.localOffset = next() ?? Number.NaN;
      if ([entry.size, entry.compressedSize, entry.localOffset].some((v) => Number.isNaN(v))) {
        report('ZIP_CENTRAL_DIRECTORY_CORRUPT', `entry "${entry.name}" has a truncated zip64 extra field`, { entry: entry.name });
        entry.size = entry.compressedSize = entry.localOffset = 0;
      }
      return;
    }
    at += 4 + length;
  }
  report('ZIP_CENTRAL_DIRECTORY_CORRUPT', `entry "${entry.name}" needs a zip64 extra field and has none`, { entry: entry.name });
}
