import type { CodeTable } from '../../core/finding.js';

export const TAR_CODES = {
  TAR_BAD_CHECKSUM: { severity: 'high', title: 'Tar header checksum does not match', incomplete: true },
  TAR_BAD_HEADER: { severity: 'high', title: 'Tar header field is not valid octal / base-256, or the magic is unknown', incomplete: true },
  TAR_TRUNCATED: { severity: 'high', title: 'Tar archive ends inside a header or member', incomplete: true },
  TAR_NO_END_MARKER: { severity: 'medium', title: 'Tar archive has no end-of-archive zero blocks' },
  TAR_TRAILING_DATA: { severity: 'medium', title: 'Non-zero data after the end-of-archive marker' },
  TAR_BAD_PAX: { severity: 'high', title: 'Pax extended header or GNU long name is malformed or oversized', incomplete: true },
  TAR_LINK_ENTRY: { severity: 'high', title: 'Symbolic or hard link entry' },
  TAR_SPECIAL_ENTRY: { severity: 'high', title: 'Device, FIFO or unknown entry type' },
  TAR_PATH_TRAVERSAL: { severity: 'high', title: 'Member name contains a ".." segment' },
  TAR_ABSOLUTE_PATH: { severity: 'high', title: 'Member name is an absolute path' },
  TAR_BACKSLASH_NAME: { severity: 'medium', title: 'Member name contains a backslash' },
  TAR_BAD_NAME: { severity: 'high', title: 'Member name is empty or contains control characters' },
  TAR_DUPLICATE_NAME: { severity: 'high', title: 'Two members share one name' },
  TAR_TOO_MANY_ENTRIES: { severity: 'high', title: 'More members than limits.maxEntries', incomplete: true },
} as const satisfies CodeTable;

export type TarCode = keyof typeof TAR_CODES;
