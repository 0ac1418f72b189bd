import { bufferSource, sliceSource, type ByteSource } from '../../core/source.js';
import type { FormatId, FormatReport, FormatScanner, NestedReport, ScanContext } from '../types.js';
import { FindingSink } from '../zip/finding-sink.js';
import { decodeBzip2 } from './bzip2.js';
import { COMPRESSION_CODES } from './codes.js';
import type { DecodeResult } from './decode.js';
import { decodeGzip } from './gzip.js';
import { decodeLz4 } from './lz4.js';
import { outputFor, type BoundedOutput } from './output.js';
import { decodeXz } from './xz.js';
import { decodeZlib } from './zlib.js';

export { COMPRESSION_CODES } from './codes.js';

export interface CompressionFacts {
  compressedBytes: number;
  decompressedBytes: number;
  members?: number;
  complete: boolean;
}

type WrapperFormat = 'gzip' | 'bzip2' | 'xz' | 'zlib' | 'lz4';
type Decoder = (source: ByteSource, output: BoundedOutput, ctx: ScanContext) => Promise<DecodeResult>;

const DECODERS: Record<WrapperFormat, Decoder> = {
  gzip: (s, o) => decodeGzip(s, o),
  bzip2: (s, o, ctx) => decodeBzip2(s, o, ctx.limits.maxInflateBytes),
  xz: (s, o) => decodeXz(s, o),
  zlib: (s, o) => decodeZlib(s, o),
  lz4: (s, o) => decodeLz4(s, o),
};

/**
 * Decompresses a wrapper (bounded by limits.maxInflateBytes and the ratio limit) and scans the body
 * through scanNested, so a .pkl.gz or joblib .xz is analysed as what it contains.
 */
async function scanWrapper(format: WrapperFormat, source: ByteSource, ctx: ScanContext): Promise<FormatReport<CompressionFacts>> {
  const sink = new FindingSink(ctx);
  const output = outputFor(source.size, ctx.limits);
  const result = await DECODERS[format](source, output, ctx);
  const children: NestedReport[] = [];
  const facts: CompressionFacts = {
    compressedBytes: source.size,
    decompressedBytes: output.produced,
    complete: result.error === undefined && result.unsupported === undefined && output.stopped === undefined,
  };
  if (result.members !== undefined) facts.members = result.members;
  if (result.error !== undefined) {
    sink.add(COMPRESSION_CODES, 'COMPRESSION_CORRUPT', `${format} stream is corrupt or truncated after ${output.produced} bytes: ${result.error}`, {
      format,
      error: result.error,
      produced: output.produced,
    });
  }
  if (result.unsupported !== undefined) {
    sink.add(COMPRESSION_CODES, 'COMPRESSION_UNSUPPORTED', `${format}: ${result.unsupported}; the content was not scanned`, { format });
  }
  if (output.stopped === 'bomb') {
    sink.add(COMPRESSION_CODES, 'COMPRESSION_BOMB', `${format} expands past ${output.cap} bytes from ${source.size} (ratio over ${ctx.limits.maxCompressionRatio}); stopped`, {
      format,
      compressed: source.size,
    });
  } else if (output.stopped === 'limit') {
    sink.add(COMPRESSION_CODES, 'COMPRESSION_LIMIT', `${format} expands past limits.maxInflateBytes (${ctx.limits.maxInflateBytes}); stopped`, { format });
  }
  if ((result.members ?? 0) > 1) {
    sink.add(COMPRESSION_CODES, 'COMPRESSION_MULTI_MEMBER', `${format} holds ${result.members} concatenated members, decoded as one body`, {
      members: result.members,
    });
  }
  // Partial output is still scanned: a payload before the corruption is still a payload.
  const label = `<${format}>`;
  if (output.produced > 0 || result.error === undefined) {
    const body = bufferSource(output.bytes(), label);
    children.push({ label, report: await ctx.scanNested(body, label) });
  }
  if (result.trailingOffset !== undefined && result.trailingOffset < source.size) {
    const trailing = sliceSource(source, result.trailingOffset, source.size - result.trailingOffset, '<trailing>');
    const zeros = (await trailing.read(0, Math.min(trailing.size, 64 * 1024))).every((b) => b === 0) && trailing.size <= 64 * 1024;
    if (!zeros) {
      sink.add(COMPRESSION_CODES, 'COMPRESSION_TRAILING_DATA', `${trailing.size} bytes follow the end of the ${format} stream`, {
        format,
        offset: result.trailingOffset,
        bytes: trailing.size,
      });
      children.push({ label: '<trailing>', report: await ctx.scanNested(trailing, '<trailing>') });
    }
  }
  return { format: format as FormatId, facts, findings: sink.finish([COMPRESSION_CODES]), children };
}

function wrapper(format: WrapperFormat): FormatScanner<CompressionFacts> {
  return { format, scan: (source, ctx) => scanWrapper(format, source, ctx) };
}

export const gzipScanner = wrapper('gzip');
export const bzip2Scanner = wrapper('bzip2');
export const xzScanner = wrapper('xz');
export const zlibScanner = wrapper('zlib');
export const lz4Scanner = wrapper('lz4');

export const compressionScanners: Record<WrapperFormat, FormatScanner<CompressionFacts>> = {
  gzip: gzipScanner,
  bzip2: bzip2Scanner,
  xz: xzScanner,
  zlib: zlibScanner,
  lz4: lz4Scanner,
};
