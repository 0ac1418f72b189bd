import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { check } from '../../src/check.js';
import type { Report } from '../../src/core/report.js';

/** Writes `files` into a fresh folder and runs the public check() on it (or on the single file). */
export async function checkFiles(files: Record<string, Uint8Array | string>, options: { single?: boolean } = {}): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'modelscan-redteam-'));
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  const names = Object.keys(files);
  return check(options.single && names.length === 1 ? join(dir, names[0] as string) : dir);
}

export function codes(report: Report): string[] {
  return report.findings.map((f) => f.code);
}
