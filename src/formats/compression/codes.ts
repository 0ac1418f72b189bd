import type { CodeTable } from '../../core/finding.js';

export const COMPRESSION_CODES = {
  COMPRESSION_CORRUPT: { severity: 'high', title: 'Compressed stream is corrupt or truncated', incomplete: true },
  COMPRESSION_BOMB: { severity: 'high', title: 'Decompressed size exceeds limits.maxCompressionRatio times the input', incomplete: true },
  COMPRESSION_LIMIT: { severity: 'high', title: 'Decompression stopped at limits.maxInflateBytes', incomplete: true },
  COMPRESSION_TRAILING_DATA: { severity: 'medium', title: 'Bytes after the end of the compressed stream' },
  COMPRESSION_UNSUPPORTED: { severity: 'high', title: 'Compressed stream uses a feature this scanner cannot decode', incomplete: true },
  COMPRESSION_MULTI_MEMBER: { severity: 'info', title: 'Stream holds several concatenated members' },
} as const satisfies CodeTable;

export type CompressionCode = keyof typeof COMPRESSION_CODES;
