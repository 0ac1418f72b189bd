import { crc32 } from 'node:zlib';

export const SEVENZIP_MAGIC = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] as const;
export const SIGNATURE_HEADER_SIZE = 32;

export interface SignatureHeader {
  version: string;
  nextHeaderOffset: number;
  nextHeaderSize: number;
  nextHeaderCrc: number;
  problems: string[];
}

/** The fixed 32-byte start of every 7z file; `fileSize` bounds the next-header pointer. */
export function parseSignatureHeader(head: Uint8Array, fileSize: number): SignatureHeader {
  const b = Buffer.from(head);
  const problems: string[] = [];
  if (b.length < SIGNATURE_HEADER_SIZE || !SEVENZIP_MAGIC.every((v, i) => b[i] === v)) {
    return { version: '?', nextHeaderOffset: 0, nextHeaderSize: 0, nextHeaderCrc: 0, problems: ['signature header is truncated or missing'] };
  }
  const major = b[6] as number;
  const minor = b[7] as number;
  const startCrc = b.readUInt32LE(8);
  const nextHeaderOffset = Number(b.readBigUInt64LE(12));
  const nextHeaderSize = Number(b.readBigUInt64LE(20));
  const nextHeaderCrc = b.readUInt32LE(28);
  if (major !== 0) problems.push(`major version ${major} is not 0`);
  if ((crc32(b.subarray(12, 32)) >>> 0) !== startCrc) problems.push('start header CRC does not match');
  if (SIGNATURE_HEADER_SIZE + nextHeaderOffset + nextHeaderSize > fileSize) {
    problems.push(`next header [${nextHeaderOffset}, +${nextHeaderSize}) lies beyond the end of the file`);
  }
  return { version: `${major}.${minor}`, nextHeaderOffset, nextHeaderSize, nextHeaderCrc, problems };
}
