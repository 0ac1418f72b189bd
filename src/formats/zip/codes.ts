import type { CodeTable } from '../../core/finding.js';

export const ZIP_CODES = {
  ZIP_NO_END_RECORD: { severity: 'high', title: 'No end-of-central-directory record: not a readable zip', incomplete: true },
  ZIP_BAD_END_RECORD: { severity: 'high', title: 'End-of-central-directory (or zip64) record is inconsistent', incomplete: true },
  ZIP_END_RECORD_COMMENT_OVERRUN: {
    severity: 'high',
    title: 'The last end-of-central-directory record declares a comment longer than the bytes after it (a planted record)',
  },
  ZIP_CENTRAL_DIRECTORY_GAP: {
    severity: 'high',
    title: 'Bytes between the central directory and the end record: Python zipfile shifts every offset and reads another archive',
  },
  ZIP_MULTI_DISK: { severity: 'high', title: 'Multi-disk (spanned) zip archive', incomplete: true },
  ZIP_CENTRAL_DIRECTORY_CORRUPT: { severity: 'high', title: 'Central directory is truncated or corrupt', incomplete: true },
  ZIP_ENTRY_COUNT_MISMATCH: { severity: 'high', title: 'Entry count in the end record differs from the central directory', incomplete: true },
  ZIP_TOO_MANY_ENTRIES: { severity: 'high', title: 'More archive entries than limits.maxEntries', incomplete: true },
  ZIP_PREFIX_DATA: { severity: 'high', title: 'Data before the first local header (polyglot or self-extractor)' },
  ZIP_TRAILING_DATA: { severity: 'medium', title: 'Data after the end-of-central-directory record' },
  ZIP_COMMENT: { severity: 'info', title: 'Archive has a comment' },
  ZIP_LOCAL_HEADER_CORRUPT: { severity: 'high', title: 'Local file header missing or corrupt', incomplete: true },
  ZIP_NAME_MISMATCH: { severity: 'high', title: 'Local header name differs from the central directory name' },
  ZIP_HEADER_MISMATCH: { severity: 'high', title: 'Local header method, sizes or CRC differ from the central directory' },
  ZIP_DUPLICATE_NAME: { severity: 'high', title: 'Two entries share one name' },
  ZIP_PATH_TRAVERSAL: { severity: 'high', title: 'Entry name contains a ".." segment' },
  ZIP_ABSOLUTE_PATH: { severity: 'high', title: 'Entry name is an absolute path' },
  ZIP_BACKSLASH_NAME: { severity: 'medium', title: 'Entry name contains a backslash' },
  ZIP_BAD_NAME: { severity: 'high', title: 'Entry name contains NUL or control characters, or is empty' },
  ZIP_OVERLAPPING_ENTRIES: { severity: 'high', title: 'Entry data overlaps another entry or the central directory' },
  ZIP_ENTRY_OUT_OF_BOUNDS: { severity: 'high', title: 'Entry data extends beyond the end of the file', incomplete: true },
  ZIP_ENCRYPTED: { severity: 'high', title: 'Entry is flagged as encrypted: content cannot be trusted to be scanned', incomplete: true },
  ZIP_UNUSUAL_FLAGS: { severity: 'high', title: 'Entry sets patched-data or strong-encryption flag bits', incomplete: true },
  ZIP_UNSUPPORTED_METHOD: { severity: 'high', title: 'Entry uses a compression method other than stored or deflate', incomplete: true },
  ZIP_CRC_MISMATCH: { severity: 'high', title: 'Entry CRC-32 does not match its content' },
  ZIP_SIZE_MISMATCH: { severity: 'high', title: 'Inflated size differs from the declared size', incomplete: true },
  ZIP_INFLATE_ERROR: { severity: 'high', title: 'Deflate stream is corrupt or truncated', incomplete: true },
  ZIP_BOMB: { severity: 'high', title: 'Declared compression ratio exceeds limits.maxCompressionRatio', incomplete: true },
  ZIP_INFLATE_LIMIT: { severity: 'high', title: 'Inflating stopped at limits.maxInflateBytes', incomplete: true },
  ZIP_KERAS_CONFIG_UNREADABLE: { severity: 'high', title: 'Keras archive config.json is missing, oversized or not JSON', incomplete: true },
  ZIP_KERAS_CONFIG_UNANALYSED: { severity: 'high', title: 'Keras archive config.json could not be analysed', incomplete: true },
} as const satisfies CodeTable;

export type ZipCode = keyof typeof ZIP_CODES;
