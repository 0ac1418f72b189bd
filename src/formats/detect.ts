import { inflateSync } from 'node:zlib';
import type { ByteSource } from '../core/source.js';
import { looksLikeGguf } from './gguf/index.js';
import { looksLikeHdf5 } from './keras/index.js';
import { imageKind } from './misc/simple.js';
import { isLikelyText, looksLikeJson } from './misc/text.js';
import { looksLikeNumpy } from './numpy/index.js';
import { looksLikeOnnx } from './onnx/index.js';
import { isTorchLegacyMagic, looksLikePickle } from './pickle/index.js';
import { looksLikeSafetensors } from './safetensors/index.js';
import { looksLikeTflite } from './tflite/index.js';
import type { FormatId } from './types.js';

export const SNIFF_BYTES = 4096;
/** EOCD (22 bytes) plus the longest zip comment (65535). */
const ZIP_TAIL_BYTES = 22 + 65535;

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));

function isZipHead(head: Uint8Array): boolean {
  return (
    startsWith(head, [0x50, 0x4b, 0x03, 0x04]) ||
    startsWith(head, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(head, [0x50, 0x4b, 0x07, 0x08])
  );
}

function isTarHead(head: Uint8Array): boolean {
  if (head.length < 512) return false;
  if (!startsWith(head, ascii('ustar'), 257)) return false;
  return true;
}

function isZlibHead(head: Uint8Array): boolean {
  if (head.length < 2) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) return false;
  try {
    inflateSync(head, { maxOutputLength: 64 });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A head cut mid-stream or an output cap still means the stream is valid so far.
    return code === 'Z_BUF_ERROR' || code === 'ERR_BUFFER_TOO_LARGE';
  }
}

async function hasZipTail(source: ByteSource): Promise<boolean> {
  if (source.size < 22) return false;
  const length = Math.min(source.size, ZIP_TAIL_BYTES);
  const tail = await source.read(source.size - length, length);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) return true;
  }
  return false;
}

/**
 * Decides the format by content alone. `nameHint` only separates Python source from other
 * text (no byte pattern can); it never selects a binary parser.
 */
export async function detectFormat(source: ByteSource, nameHint?: string): Promise<FormatId> {
  if (source.size === 0) return 'empty';
  const head = await source.read(0, Math.min(SNIFF_BYTES, source.size));

  if (isZipHead(head)) return 'zip';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(head, [0x1f, 0x8b, 0x08]) && (head[3]! & 0xe0) === 0) return 'gzip';
  if (startsWith(head, ascii('BZh')) && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18])) return 'lz4';
  if (looksLikeNumpy(head)) return 'numpy';
  if (looksLikeGguf(head)) return 'gguf';
  if (looksLikeHdf5(head)) return 'hdf5';
  if (looksLikeTflite(head)) return 'tflite';
  if (isTarHead(head)) return 'tar';
  if (imageKind(head)) return 'image';
  if (isTorchLegacyMagic(head)) return 'pytorch-legacy';
  if (looksLikeSafetensors(head, source.size)) return 'safetensors';
  if (looksLikePickle(head)) return 'pickle';
  if (isZlibHead(head)) return 'zlib';
  if (looksLikeOnnx(head, source.size)) return 'onnx';
  if (await hasZipTail(source)) return 'zip';
  if (isLikelyText(head)) {
    if (nameHint && /\.py$/i.test(nameHint)) return 'python';
    if (looksLikeJson(head)) return 'json';
    return 'text';
  }
  return 'unknown';
}
