import type { ByteSource } from '../../core/source.js';
import type { ScanLimits } from '../types.js';
import { describeNameProblem, nameProblems, type NameProblem } from '../zip/names.js';
import type { TarCode } from './codes.js';
import { BLOCK, isZeroBlock, parseHeader, parsePax } from './header.js';

export type TarReport = (code: TarCode, message: string, evidence?: Record<string, unknown>) => void;

export interface TarMember {
  index: number;
  name: string;
  type: string;
  size: number;
  /** Offset of the member's data in the archive. */
  dataOffset: number;
  linkName: string;
}

const NAME_CODES: Record<NameProblem, TarCode> = {
  empty: 'TAR_BAD_NAME',
  control: 'TAR_BAD_NAME',
  backslash: 'TAR_BACKSLASH_NAME',
  absolute: 'TAR_ABSOLUTE_PATH',
  traversal: 'TAR_PATH_TRAVERSAL',
};
/** Longest pax header or GNU long name read into memory. */
const MAX_META = 1024 * 1024;
const REGULAR = new Set(['0', '\0', '7']);

/** A strict tar walk: every header checksummed, every size checked against the file, every name judged. */
export interface TarArchive {
  members: TarMember[];
  /** Offset of non-zero bytes after the end-of-archive marker, if any. */
  trailingOffset?: number;
}

export async function readTar(source: ByteSource, limits: ScanLimits, report: TarReport): Promise<TarArchive> {
  const members: TarMember[] = [];
  const seen = new Map<string, number>();
  let at = 0;
  let pending: { path?: string; linkpath?: string; size?: number } = {};
  let entries = 0;
  for (;;) {
    const block = await source.read(at, BLOCK);
    if (block.length === 0) {
      report('TAR_NO_END_MARKER', `archive ends at ${at} without the two zero blocks that close a tar`);
      return { members };
    }
    if (block.length < BLOCK) {
      report('TAR_TRUNCATED', `archive ends inside a header at ${at}`, { offset: at });
      return { members };
    }
    if (isZeroBlock(block)) {
      const trailingOffset = await checkTail(source, at, report);
      return trailingOffset === undefined ? { members } : { members, trailingOffset };
    }
    if (++entries > limits.maxEntries) {
      report('TAR_TOO_MANY_ENTRIES', `more than ${limits.maxEntries} headers; the rest were not read`, { maxEntries: limits.maxEntries });
      return { members };
    }
    const header = parseHeader(block);
    if (!header.checksumOk) {
      report('TAR_BAD_CHECKSUM', `header at ${at} fails its checksum; the walk stops here`, { offset: at });
      return { members };
    }
    if (header.bad.length > 0) {
      report('TAR_BAD_HEADER', `header at ${at} has unparseable ${header.bad.join(', ')}`, { offset: at, fields: header.bad });
      return { members };
    }
    const size = pending.size ?? header.size;
    const dataOffset = at + BLOCK;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (dataOffset + size > source.size) {
      report('TAR_TRUNCATED', `member ${JSON.stringify(pending.path ?? header.name)} needs ${size} bytes at ${dataOffset}, past the end of the file`, {
        offset: dataOffset,
        size,
      });
      return { members };
    }
    if (header.type === 'x' || header.type === 'g' || header.type === 'L' || header.type === 'K') {
      if (size > MAX_META) {
        report('TAR_BAD_PAX', `extended header at ${at} is ${size} bytes`, { offset: at, size });
        return { members };
      }
      const body = await source.read(dataOffset, size);
      if (header.type === 'x') {
        const records = parsePax(body);
        if (!records) {
          report('TAR_BAD_PAX', `pax header at ${at} is malformed`, { offset: at });
          return { members };
        }
        const paxSize = records.get('size');
        if (paxSize !== undefined) {
          const n = Number(paxSize);
          if (!/^\d+$/.test(paxSize) || !Number.isSafeInteger(n)) {
            report('TAR_BAD_PAX', `pax size ${JSON.stringify(paxSize.slice(0, 40))} is not a size`, { offset: at });
            return { members };
          }
          pending.size = n;
        }
        const path = records.get('path');
        if (path !== undefined) pending.path = path;
        const linkpath = records.get('linkpath');
        if (linkpath !== undefined) pending.linkpath = linkpath;
      } else if (header.type === 'L' || header.type === 'K') {
        const nul = body.indexOf(0);
        const value = Buffer.from(nul < 0 ? body : body.subarray(0, nul)).toString('utf8');
        if (header.type === 'L') pending.path = value;
        else pending.linkpath = value;
      }
      at = next;
      continue;
    }
    const member: TarMember = {
      index: members.length,
      name: pending.path ?? header.name,
      type: header.type,
      size,
      dataOffset,
      linkName: pending.linkpath ?? header.linkName,
    };
    pending = {};
    judge(member, report);
    const first = seen.get(member.name);
    if (first !== undefined && member.type !== '5') {
      report('TAR_DUPLICATE_NAME', `members #${first} and #${member.index} are both named ${JSON.stringify(member.name)}; both are scanned`, {
        entry: member.name,
      });
    } else seen.set(member.name, member.index);
    members.push(member);
    at = next;
  }
}

function judge(member: TarMember, report: TarReport): void {
  const name = JSON.stringify(member.name);
  for (const problem of nameProblems(member.type === '5' ? member.name.replace(/\/$/, '') : member.name)) {
    report(NAME_CODES[problem], `member ${name} ${describeNameProblem(problem)}`, { entry: member.name });
  }
  if (member.type === '1' || member.type === '2') {
    report('TAR_LINK_ENTRY', `member ${name} is a ${member.type === '2' ? 'symbolic' : 'hard'} link to ${JSON.stringify(member.linkName)}`, {
      entry: member.name,
      target: member.linkName,
    });
  } else if (!REGULAR.has(member.type) && member.type !== '5') {
    report('TAR_SPECIAL_ENTRY', `member ${name} has entry type ${JSON.stringify(member.type)}`, { entry: member.name, type: member.type });
  }
}

async function checkTail(source: ByteSource, at: number, report: TarReport): Promise<number | undefined> {
  const second = await source.read(at + BLOCK, BLOCK);
  if (second.length < BLOCK || !isZeroBlock(second)) {
    report('TAR_NO_END_MARKER', `only one zero block at ${at}`, { offset: at });
  }
  // Anything non-zero after the marker is data no tar reader will show.
  for (let offset = at; offset < source.size; offset += 64 * 1024) {
    const chunk = await source.read(offset, 64 * 1024);
    const index = chunk.findIndex((b) => b !== 0);
    if (index >= 0) {
      report('TAR_TRAILING_DATA', `non-zero bytes at ${offset + index}, after the end-of-archive marker`, { offset: offset + index });
      return offset + index;
    }
  }
  return undefined;
}
