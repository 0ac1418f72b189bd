import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../core/source.js';
import { DEFAULT_LIMITS } from '../../formats/types.js';
import { openMember, readZip, type InflatingSource, type ZipMember } from '../../formats/zip/index.js';
import { GoldenSetError, MAX_ARRAY_BYTES } from './errors.js';

/** Zip findings that say nothing about the members' bytes; every other one refuses the archive. */
const HARMLESS = new Set(['ZIP_COMMENT']);
const MAX_ENTRIES = 256;

/**
 * Reads the named members of an .npz through the repo's zip reader. Any structural problem it reports
 * (overlaps, duplicate names, header disagreements, encryption...) refuses the archive; every member
 * read is bounded, fully inflated and CRC-checked.
 */
export async function readNpzMembers(source: ByteSource, names: string[]): Promise<Map<string, Uint8Array>> {
  const problems: string[] = [];
  const archive = await readZip(source, { ...DEFAULT_LIMITS, maxEntries: MAX_ENTRIES, maxInflateBytes: MAX_ARRAY_BYTES }, (code, message) => {
    if (!HARMLESS.has(code)) problems.push(`${code}: ${message}`);
  });
  if (!archive.end) problems.push('no end-of-central-directory record');
  if (problems.length > 0) throw new GoldenSetError('GOLDEN_ARCHIVE_INVALID', `${source.label}: not a clean .npz (${problems[0]})`);
  const out = new Map<string, Uint8Array>();
  for (const name of names) {
    const member = archive.members.find((m) => m.name === name);
    if (!member) {
      const present = archive.members.slice(0, 8).map((m) => JSON.stringify(m.name.slice(0, 60))).join(', ');
      throw new GoldenSetError('GOLDEN_MEMBER_MISSING', `${source.label}: no ${name} member (members: ${present || 'none'})`);
    }
    out.set(name, await readMember(source, member));
  }
  return out;
}

async function readMember(source: ByteSource, member: ZipMember): Promise<Uint8Array> {
  const label = `${source.label} > ${member.name}`;
  if (member.size > MAX_ARRAY_BYTES) throw new GoldenSetError('GOLDEN_TOO_LARGE', `${label}: ${member.size} bytes exceeds the ${MAX_ARRAY_BYTES}-byte limit`);
  const opened = openMember(source, member, MAX_ARRAY_BYTES, label);
  if (!opened) throw new GoldenSetError('GOLDEN_ARCHIVE_INVALID', `${label}: member cannot be read (${member.unreadable ?? 'no data'})`);
  const inflating = 'inflateTo' in opened ? (opened as InflatingSource) : undefined;
  // Asking for one byte more than declared drives the inflater to the stream's end (or the cap).
  const bytes = inflating ? (await inflating.inflateTo(member.size + 1)).subarray(0, member.size + 1) : await opened.read(0, member.size);
  const status = inflating?.status;
  if (status && (status.error !== undefined || status.limitHit || !status.complete || status.produced !== member.size)) {
    const why = status.error ?? (status.limitHit ? 'inflates past the limit' : `inflates to ${status.produced} bytes, not ${member.size}`);
    throw new GoldenSetError('GOLDEN_ARCHIVE_INVALID', `${label}: ${why}`);
  }
  if (bytes.length !== member.size) throw new GoldenSetError('GOLDEN_ARCHIVE_INVALID', `${label}: holds ${bytes.length} bytes, not the declared ${member.size}`);
  if ((crc32(bytes) >>> 0) !== (member.crc32 >>> 0)) throw new GoldenSetError('GOLDEN_ARCHIVE_INVALID', `${label}: CRC-32 does not match its content`);
  return bytes;
}
