import { open, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { ScanContext } from '../types.js';
import type { Report } from './analyse.js';
import type { OnnxExternalDataRef } from './facts.js';
import type { TensorRecord } from './state.js';
import { tensorByteSize } from './value-info.js';

/** onnxruntime reads `offset` as a raw pointer when the location is this tag (in-memory initializers). */
const ORT_MEMORY_ADDRESS_TAG = '_ORT_MEM_ADDR_';
const KNOWN_KEYS = new Set(['location', 'offset', 'length', 'checksum', 'basepath']);
const DECIMAL = /^[0-9]{1,16}$/;

interface ParsedEntries {
  location: string;
  offset: number;
  length: number | null;
  problems: string[];
}

function parseEntries(tensor: TensorRecord): ParsedEntries {
  const problems: string[] = [];
  const seen = new Set<string>();
  let location = '';
  let offset = 0;
  let length: number | null = null;
  for (const { key, value } of tensor.externalData) {
    if (seen.has(key)) problems.push(`key ${JSON.stringify(key)} repeated`);
    seen.add(key);
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown key ${JSON.stringify(key)}`);
    if (key === 'location') location = value;
    if (key === 'offset' || key === 'length') {
      const n = DECIMAL.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) problems.push(`${key} ${JSON.stringify(value)} is not a non-negative decimal integer`);
      else if (key === 'offset') offset = n;
      else length = n;
    }
  }
  if (!seen.has('location') || location === '') problems.push('no location');
  if (tensor.dataLocation !== 1) problems.push(`external_data present but data_location is ${tensor.dataLocation}, not EXTERNAL`);
  if (tensor.dataLocation === 1 && tensor.externalData.length === 0) problems.push('data_location is EXTERNAL but there are no external_data entries');
  if (tensor.dataLocation === 1 && tensor.inlineBytes > 0) problems.push('tensor has both inline data and external data');
  return { location, offset, length, problems };
}

/** Why a location string can leave the model folder, judged on the text alone (POSIX and Windows rules). */
function lexicalEscape(location: string): string | null {
  if (location.includes('\0')) return 'contains a NUL byte';
  if (isAbsolute(location) || location.startsWith('/') || location.startsWith('\\')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(location)) return 'starts with a drive letter';
  if (location.split(/[\\/]/).some((segment) => segment === '..')) return 'has a ".." segment';
  return null;
}

/**
 * Compressed streams that detect.ts does not classify (so the file would stay "unknown" and become
 * plain external data) but that a pickle loader decompresses: joblib reads lzma-alone by its magic.
 * Raw tensor bytes starting with one of these is vanishingly unlikely.
 */
function hiddenStream(head: Uint8Array): string | null {
  const starts = (bytes: readonly number[]) => head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
  if (starts([0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (starts([0x02, 0x21, 0x4c, 0x18])) return 'lz4 legacy';
  // lzma-alone (joblib compress="lzma", which sniffs 5d 00): properties, dictionary size, then a 64-bit
  // uncompressed size that is either unknown (all 0xff, what joblib writes) or a plausible length.
  if (head.length >= 13 && head[0] === 0x5d && head[1] === 0x00) {
    const size = head.subarray(5, 13);
    if (size.every((b) => b === 0xff) || (size[5] === 0 && size[6] === 0 && size[7] === 0)) return 'lzma';
  }
  return null;
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

async function realOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

/**
 * Checks every external-data reference against the disk: the location must stay inside the model's
 * folder (no absolute paths, drive letters, ".." or NUL), its real path (symlinks resolved) inside
 * the target root, the file must exist and offset+length must fit in it.
 */
export async function checkExternalData(tensors: readonly TensorRecord[], ctx: ScanContext, report: Report): Promise<OnnxExternalDataRef[]> {
  if (tensors.length === 0) return [];
  const refs: OnnxExternalDataRef[] = [];
  const disk = ctx.disk && ctx.location.length === 0 ? ctx.disk : undefined;
  const root = disk ? resolve(disk.root) : '';
  const modelDir = disk ? resolve(root, dirname(ctx.file)) : '';
  const realRoot = disk ? ((await realOrNull(root)) ?? root) : '';
  const files = new Set<string>();

  for (const tensor of tensors) {
    const entries = parseEntries(tensor);
    const ref: OnnxExternalDataRef = { tensor: tensor.name, location: entries.location, offset: entries.offset, length: entries.length, resolvedPath: null };
    refs.push(ref);
    const evidence = { tensor: tensor.name, location: entries.location, path: tensor.path };
    if (entries.problems.length > 0) {
      report('ONNX_EXTERNAL_DATA_INVALID', `tensor ${JSON.stringify(tensor.name)}: ${entries.problems.join('; ')}`, { ...evidence, problems: entries.problems });
    }
    if (entries.location === '') continue;
    if (entries.location.includes(ORT_MEMORY_ADDRESS_TAG)) {
      report('ONNX_EXTERNAL_DATA_MEMORY_ADDRESS', `tensor ${JSON.stringify(tensor.name)}: location ${JSON.stringify(entries.location)} makes onnxruntime read process memory at offset ${entries.offset}`, evidence);
      continue;
    }
    const escape = lexicalEscape(entries.location);
    if (escape) {
      report('ONNX_EXTERNAL_DATA_ESCAPE', `tensor ${JSON.stringify(tensor.name)}: location ${JSON.stringify(entries.location)} ${escape}`, { ...evidence, reason: escape });
      continue;
    }
    if (!disk) {
      report('ONNX_EXTERNAL_DATA_NESTED', `tensor ${JSON.stringify(tensor.name)}: external data ${JSON.stringify(entries.location)} of a model that is not a file on disk cannot be checked`, evidence);
      continue;
    }
    const abs = resolve(modelDir, entries.location);
    if (!isInside(modelDir, abs)) {
      report('ONNX_EXTERNAL_DATA_ESCAPE', `tensor ${JSON.stringify(tensor.name)}: location ${JSON.stringify(entries.location)} resolves outside the model folder`, { ...evidence, reason: 'outside the model folder' });
      continue;
    }
    let real: string | null;
    let info: Awaited<ReturnType<typeof stat>> | null;
    try {
      real = await realOrNull(abs);
      info = real === null ? null : await stat(real);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      report('ONNX_EXTERNAL_DATA_MISSING', `tensor ${JSON.stringify(tensor.name)}: cannot open ${JSON.stringify(entries.location)} (${reason})`, { ...evidence, reason });
      continue;
    }
    if (real === null || info === null) {
      report('ONNX_EXTERNAL_DATA_MISSING', `tensor ${JSON.stringify(tensor.name)}: external data file ${JSON.stringify(entries.location)} does not exist`, evidence);
      continue;
    }
    if (!isInside(realRoot, real)) {
      report('ONNX_EXTERNAL_DATA_ESCAPE', `tensor ${JSON.stringify(tensor.name)}: ${JSON.stringify(entries.location)} is a symbolic link out of the target (-> ${real})`, { ...evidence, reason: 'symlink leaves the target root', realPath: real });
      continue;
    }
    if (!info.isFile()) {
      report('ONNX_EXTERNAL_DATA_MISSING', `tensor ${JSON.stringify(tensor.name)}: ${JSON.stringify(entries.location)} is not a regular file`, evidence);
      continue;
    }
    ref.resolvedPath = toPosix(relative(root, abs));
    if (!files.has(ref.resolvedPath)) {
      const hidden = hiddenStream(await readHead(real, 16).catch(() => new Uint8Array(0)));
      if (hidden) {
        report('ONNX_EXTERNAL_DATA_HIDES_CONTENT', `tensor ${JSON.stringify(tensor.name)}: external data file ${JSON.stringify(entries.location)} is a ${hidden} stream, not raw tensor bytes (a pickle loader would decompress it)`, { ...evidence, kind: hidden });
      }
    }
    files.add(ref.resolvedPath);
    // Without a length the tensor runs from offset for as many bytes as its shape needs.
    const stop = entries.offset + (entries.length ?? tensorByteSize(tensor.dataType, tensor.dims) ?? 0);
    if (entries.offset > info.size || stop > info.size) {
      report('ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS', `tensor ${JSON.stringify(tensor.name)}: bytes [${entries.offset}, ${stop}) of ${JSON.stringify(entries.location)} reach past its ${info.size} bytes`, {
        ...evidence,
        offset: entries.offset,
        length: entries.length,
        fileSize: info.size,
      });
    }
  }
  if (files.size > 0) {
    report('ONNX_EXTERNAL_DATA', `${refs.length} tensor(s) stored in ${files.size} external file(s)`, { files: [...files].slice(0, 100) });
  }
  return refs;
}
