/** One 512-byte ustar / gnu / v7 header, decoded without trusting any field. */
export interface TarHeader {
  name: string;
  mode: number;
  size: number;
  type: string;
  linkName: string;
  magic: 'ustar' | 'gnu' | 'v7';
  checksumOk: boolean;
  /** Fields that did not parse. */
  bad: string[];
}

export const BLOCK = 512;

function text(block: Uint8Array, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const nul = field.indexOf(0);
  return Buffer.from(nul < 0 ? field : field.subarray(0, nul)).toString('utf8');
}

/** Octal ASCII (space/NUL padded) or GNU base-256 (high bit of the first byte set). */
export function numeric(block: Uint8Array, at: number, length: number): number | undefined {
  const field = block.subarray(at, at + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    if ((field[0] ?? 0) !== 0x80) return undefined;
    let value = 0;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + (field[i] as number);
      if (!Number.isSafeInteger(value)) return undefined;
    }
    return value;
  }
  const digits = Buffer.from(field).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) return undefined;
  const value = parseInt(digits, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function isZeroBlock(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
}

function checksum(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

export function parseHeader(block: Uint8Array): TarHeader {
  const bad: string[] = [];
  const magicText = Buffer.from(block.subarray(257, 265)).toString('latin1');
  const magic = magicText.startsWith('ustar\0') ? 'ustar' : magicText === 'ustar  \0' ? 'gnu' : 'v7';
  let name = text(block, 0, 100);
  if (magic === 'ustar') {
    const prefix = text(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const mode = numeric(block, 100, 8);
  const size = numeric(block, 124, 12);
  const stored = numeric(block, 148, 8);
  if (mode === undefined) bad.push('mode');
  if (size === undefined) bad.push('size');
  if (stored === undefined) bad.push('checksum');
  const sums = checksum(block);
  return {
    name,
    mode: mode ?? 0,
    size: size ?? 0,
    type: String.fromCharCode(block[156] ?? 0),
    linkName: text(block, 157, 100),
    magic,
    checksumOk: stored !== undefined && (stored === sums.unsigned || stored === sums.signed),
    bad,
  };
}

/** Pax records: "<length> <key>=<value>\n", length counting the whole record. */
export function parsePax(body: Uint8Array): Map<string, string> | undefined {
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break;
    const space = body.indexOf(0x20, at);
    if (space < 0) return undefined;
    const length = Number(Buffer.from(body.subarray(at, space)).toString('latin1'));
    if (!Number.isSafeInteger(length) || length <= space - at + 1 || at + length > body.length || body[at + length - 1] !== 0x0a) return undefined;
    const record = Buffer.from(body.subarray(space + 1, at + length - 1)).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) return undefined;
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}
