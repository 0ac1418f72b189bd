import type { CodeTable } from '../../core/finding.js';

export const MISC_CODES = {
  FILE_UNRECOGNISED: { severity: 'medium', title: 'File content matches no known format', incomplete: true },
  FILE_EMPTY: { severity: 'info', title: 'Empty file' },
  FILE_TOO_LARGE: { severity: 'high', title: 'File exceeds the policy size limit; not analysed', incomplete: true },
  FILE_UNREADABLE: { severity: 'high', title: 'File could not be read', incomplete: true },
  FILE_SPECIAL: { severity: 'high', title: 'Not a regular file (FIFO, device or socket)', incomplete: true },
  SYMLINK_ESCAPE: { severity: 'critical', title: 'Symbolic link points outside the target folder' },
  SYMLINK_BROKEN: { severity: 'high', title: 'Symbolic link target does not exist', incomplete: true },
  FORMAT_EXTENSION_MISMATCH: { severity: 'medium', title: 'File extension and content disagree' },
  FORMAT_DISGUISED_CODE: { severity: 'high', title: 'Code-capable content hidden under a data-only extension' },
  NESTING_TOO_DEEP: { severity: 'high', title: 'Nested payloads deeper than the limit; not analysed', incomplete: true },
  SCANNER_CRASHED: { severity: 'high', title: 'A parser failed unexpectedly; the content was not fully analysed', incomplete: true },
  JSON_MALFORMED: { severity: 'medium', title: 'File looks like JSON but does not parse' },
  CONFIG_REMOTE_CODE: { severity: 'medium', title: 'config.json maps classes to repository code (auto_map): loading runs it' },
  CONFIG_CHAT_TEMPLATE_INJECTION: {
    severity: 'high',
    title: 'A chat template in a JSON config reaches Python internals (Jinja2 sandbox-escape pattern)',
  },
  POLYGLOT_PICKLE: {
    severity: 'high',
    title: 'A file valid as another format is also a pickle that imports or calls something (torch.load would run it)',
  },
  POLYGLOT_PICKLE_UNVERIFIED: {
    severity: 'high',
    title: 'A large file still parses as a pickle past the analysed window; it cannot be ruled out',
    incomplete: true,
  },
  PYTHON_SOURCE: { severity: 'medium', title: 'Python source in the model: loaded and run by trust_remote_code' },
  GIT_FOLDER_SKIPPED: { severity: 'info', title: 'A .git folder was not scanned (loaders never read it)' },
} satisfies CodeTable;
