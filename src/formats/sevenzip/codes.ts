import type { CodeTable } from '../../core/finding.js';

export const SEVENZIP_CODES = {
  SEVENZIP_BAD_HEADER: { severity: 'high', title: '7z signature header is corrupt (CRC, version or next-header bounds)', incomplete: true },
  SEVENZIP_UNSCANNABLE: { severity: 'high', title: '7z archive could not be listed or extracted for scanning', incomplete: true },
  SEVENZIP_EXTRACT_FAILED: { severity: 'high', title: '7-Zip reported errors extracting the archive', incomplete: true },
  SEVENZIP_ENCRYPTED: { severity: 'high', title: '7z entry or header is encrypted', incomplete: true },
  SEVENZIP_BOMB: { severity: 'high', title: 'Declared unpacked size exceeds the ratio or inflate limits', incomplete: true },
  SEVENZIP_TOO_MANY_ENTRIES: { severity: 'high', title: 'More 7z entries than limits.maxEntries', incomplete: true },
  SEVENZIP_UNSAFE_NAME: { severity: 'high', title: '7z entry name is absolute, has "..", control characters or is empty' },
  SEVENZIP_LINK_ENTRY: { severity: 'high', title: '7z entry is a symbolic link' },
} as const satisfies CodeTable;

export type SevenZipCode = keyof typeof SEVENZIP_CODES;
