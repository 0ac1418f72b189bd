import type { CodeTable } from '../../core/finding.js';

export const TORCH_CODES = {
  TORCH_TORCHSCRIPT_CODE: {
    severity: 'medium',
    title: 'TorchScript archive holds code that torch.jit.load compiles and executes',
  },
  TORCH_PICKLE_NOT_ANALYSED: { severity: 'high', title: 'A torch pickle record could not be analysed as a pickle', incomplete: true },
  TORCH_MISSING_RECORD: { severity: 'high', title: 'A persistent id names a storage record that is not in the archive' },
  TORCH_STORAGE_TOO_SMALL: {
    severity: 'high',
    title: 'Storage record holds fewer bytes than its declared numel needs (CVE-2026-24747)',
  },
  TORCH_STORAGE_OVERSIZED: { severity: 'low', title: 'Storage record holds more bytes than its declared numel needs' },
  TORCH_UNKNOWN_STORAGE_TYPE: { severity: 'medium', title: 'Storage type is not a known torch dtype' },
  TORCH_BAD_PERSISTENT_ID: { severity: 'medium', title: 'Persistent id is not a well-formed storage reference' },
  TORCH_UNREFERENCED_RECORD: { severity: 'low', title: 'Storage record is never referenced by a pickle (scanned anyway)' },
  TORCH_STORAGE_HIDES_CONTENT: { severity: 'high', title: 'Bytes read as raw tensor data are a pickle or an archive' },
  TORCH_MIXED_PREFIX: { severity: 'medium', title: 'Archive records do not share one top-level folder' },
  TORCH_BAD_BYTEORDER: { severity: 'high', title: 'byteorder record is not "little" or "big"' },
  TORCH_MISSING_VERSION: { severity: 'medium', title: 'Archive has no version record' },
  TORCH_LEGACY_MAGIC_NOT_LITERAL: {
    severity: 'critical',
    title: 'Legacy torch magic number is computed by a call, not written as a literal',
  },
  TORCH_LEGACY_BAD_MAGIC: { severity: 'high', title: 'Legacy torch file does not start with the torch magic number', incomplete: true },
  TORCH_LEGACY_BAD_PROTOCOL: { severity: 'high', title: 'Legacy torch protocol-version pickle is not 1001' },
  TORCH_LEGACY_BAD_SYS_INFO: { severity: 'high', title: 'Legacy torch sys_info pickle is not the dict torch writes' },
  TORCH_LEGACY_BAD_KEYS: { severity: 'high', title: 'Legacy torch storage-keys pickle is not a list of strings', incomplete: true },
  TORCH_LEGACY_TRUNCATED: { severity: 'high', title: 'Legacy torch file ends before its pickles or storages do', incomplete: true },
  TORCH_LEGACY_STORAGE_MISMATCH: {
    severity: 'high',
    title: 'Legacy torch raw storage does not match the storage declared by the main pickle', incomplete: true,
  },
  TORCH_LEGACY_TRAILING_DATA: { severity: 'high', title: 'Bytes after the last legacy torch storage' },
  TORCH_TAR_BAD_RECORD: { severity: 'high', title: 'Legacy tar checkpoint storages or tensors record does not follow the torch layout', incomplete: true },
} as const satisfies CodeTable;

export type TorchCode = keyof typeof TORCH_CODES;
