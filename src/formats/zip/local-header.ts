import type { ByteSource } from '../../core/source.js';
import { byteKey, decodeUtf8, u16, u32 } from './bytes.js';

const LOCAL_SIG = 0x04034b50;
const LOCAL_FIXED = 30;

export interface LocalHeader {
  name: string;
  key: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** First byte of entry data: header + name + extra, which is all miniz takes from the local header. */
  dataOffset: number;
}

export async function readLocalHeader(source: ByteSource, offset: number): Promise<LocalHeader | undefined> {
  const fixed = await source.read(offset, LOCAL_FIXED);
  if (fixed.length < LOCAL_FIXED || u32(fixed, 0) !== LOCAL_SIG) return undefined;
  const nameLength = u16(fixed, 26) ?? 0;
  const extraLength = u16(fixed, 28) ?? 0;
  const rawName = await source.read(offset + LOCAL_FIXED, nameLength);
  if (rawName.length < nameLength) return undefined;
  return {
    name: decodeUtf8(rawName),
    key: byteKey(rawName),
    flags: u16(fixed, 6) ?? 0,
    method: u16(fixed, 8) ?? 0,
    crc32: u32(fixed, 14) ?? 0,
    compressedSize: u32(fixed, 18) ?? 0,
    size: u32(fixed, 22) ?? 0,
    dataOffset: offset + LOCAL_FIXED + nameLength + extraLength,
  };
}
