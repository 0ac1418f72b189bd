import type { Severity } from './severity.js';

/**
 * One piece of evidence about one file. `code` is stable (documented in docs/findings.md);
 * `file` is the path relative to the scanned target; `location` points inside the file
 * (archive entries and nested payloads joined with " > ").
 */
export interface Finding {
  code: string;
  severity: Severity;
  file: string;
  location?: string;
  message: string;
  evidence: Record<string, unknown>;
}

/** What a format module knows about one finding code: its default severity and a one-line title. */
export interface CodeInfo {
  severity: Severity;
  title: string;
  /**
   * True when the finding means the content could not be fully analysed (malformed, truncated,
   * over a limit, unsupported). Such findings deny under every policy and cannot be ignored.
   */
  incomplete?: boolean;
}

export type CodeTable = Record<string, CodeInfo>;

/**
 * Builds a finding from a code table so the severity always comes from the table.
 * `location` is the nesting path inside the file ([] for the file itself).
 */
export function makeFinding<T extends CodeTable>(
  table: T,
  code: keyof T & string,
  at: { file: string; location: readonly string[] },
  message: string,
  evidence: Record<string, unknown> = {},
): Finding {
  const info = table[code];
  if (!info) throw new Error(`unknown finding code ${code}`);
  const finding: Finding = { code, severity: info.severity, file: at.file, message, evidence };
  if (at.location.length > 0) finding.location = at.location.join(' > ');
  return finding;
}
