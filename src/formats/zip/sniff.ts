import { startsWith, u32 } from './bytes.js';

/** What a few leading bytes say an entry is. 'data' means nothing recognisable: raw bytes. */
export type ContentKind =
  | 'pickle'
  | 'zip'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'lz4'
  | 'zstd'
  | '7z'
  | 'tar'
  | 'numpy'
  | 'hdf5'
  | 'safetensors'
  | 'data';

export const SNIFF_BYTES = 512;
const BZ_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZ_END = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/**
 * Magic-number sniffing, used to decide whether bytes a loader treats as raw tensor data hide
 * something else. Deliberately magic-only: protocol 0/1 pickles are caught by trial detection in
 * scanNested for every entry that is not a referenced storage.
 */
export function sniffKind(head: Uint8Array): ContentKind {
  if (head.length >= 2 && head[0] === 0x80 && (head[1] as number) <= 5) return 'pickle';
  if (startsWith(head, [0x50, 0x4b]) && [0x0304, 0x0506, 0x0708].includes(((head[2] ?? 0) << 8) | (head[3] ?? 0))) return 'zip';
  if (startsWith(head, [0x1f, 0x8b, 0x08]) && ((head[3] ?? 0xff) & 0xe0) === 0) return 'gzip';
  if (startsWith(head, [0x42, 0x5a, 0x68]) && (startsWith(head, BZ_BLOCK, 4) || startsWith(head, BZ_END, 4))) return 'bzip2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18]) || startsWith(head, [0x02, 0x21, 0x4c, 0x18])) return 'lz4';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return 'numpy';
  if (startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'hdf5';
  if (startsWith(head, [0x75, 0x73, 0x74, 0x61, 0x72], 257)) return 'tar';
  const headerLength = u32(head, 0);
  if (headerLength !== undefined && head[4] === 0 && head[5] === 0 && head[6] === 0 && head[7] === 0 && head[8] === 0x7b && headerLength > 1) {
    return 'safetensors';
  }
  return 'data';
}
