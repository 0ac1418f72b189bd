import type { CodeInfo, CodeTable } from './core/finding.js';
import { MISC_CODES } from './formats/misc/codes.js';
import { POLICY_CODES } from './policy/codes.js';
import { LOCKFILE_CODES } from './verify/codes.js';

/** Every finding code of every stage. docs/findings.md documents each (a test checks). */
export const CODE_TABLES: Record<string, CodeTable> = {
  files: MISC_CODES,
  policy: POLICY_CODES,
  lockfile: LOCKFILE_CODES,
};

const ALL: Map<string, CodeInfo> = new Map(Object.values(CODE_TABLES).flatMap((table) => Object.entries(table)));

export function codeInfo(code: string): CodeInfo | undefined {
  return ALL.get(code);
}

export function allCodes(): string[] {
  return [...ALL.keys()].sort();
}
