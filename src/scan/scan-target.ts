import { readFile } from 'node:fs/promises';
import { describeError } from '../core/errors.js';
import { makeFinding, type Finding } from '../core/finding.js';
import type { ScannedFile, ScanResult } from '../core/report.js';
import { bufferSource, openFileSource } from '../core/source.js';
import { createRootContext, scanSource } from '../formats/dispatch.js';
import { MISC_CODES } from '../formats/misc/codes.js';
import type { FormatReport, ScanLimits } from '../formats/types.js';
import { sha256Bytes, sha256File } from './hash.js';
import { markExternalData } from './external-data.js';
import { walkTarget, type WalkEntry } from './walk.js';

/** Files up to this size are read once into memory: hashed and parsed from the same bytes. */
const IN_MEMORY_MAX = 64 * 1024 * 1024;

export interface ScanOptions {
  limits?: Partial<ScanLimits>;
  /** Files larger than this are hashed but not parsed (FILE_TOO_LARGE). */
  maxFileSize?: number;
  /** Relative paths to leave out entirely (the lockfile itself). */
  exclude?: (rel: string) => boolean;
  /** Extra folders symlinks may point into (a hub cache's blobs/). */
  allowedRoots?: string[];
  /** Files scanned at once. */
  concurrency?: number;
}

function flattenNested(report: FormatReport, prefix: string[] = []): Array<{ location: string; format: ScannedFile['format'] }> {
  const out: Array<{ location: string; format: ScannedFile['format'] }> = [];
  for (const child of report.children) {
    const path = [...prefix, child.label];
    out.push({ location: path.join(' > '), format: child.report.format });
    out.push(...flattenNested(child.report, path));
  }
  return out;
}

function collectFindings(report: FormatReport): Finding[] {
  const out = [...report.findings];
  for (const child of report.children) out.push(...collectFindings(child.report));
  return out;
}

function entryFinding(entry: Exclude<WalkEntry, { kind: 'file' }>): Finding {
  const at = { file: entry.rel, location: [] as string[] };
  switch (entry.kind) {
    case 'symlink-escape':
      return makeFinding(MISC_CODES, 'SYMLINK_ESCAPE', at, `${entry.rel}: symbolic link leaves the target (-> ${entry.linkTarget})`, { linkTarget: entry.linkTarget });
    case 'symlink-broken':
      return makeFinding(MISC_CODES, 'SYMLINK_BROKEN', at, `${entry.rel}: symbolic link target does not exist`, {});
    case 'special':
      return makeFinding(MISC_CODES, 'FILE_SPECIAL', at, `${entry.rel}: is a ${entry.type}, not a regular file`, { type: entry.type });
    case 'skipped-git':
      return makeFinding(MISC_CODES, 'GIT_FOLDER_SKIPPED', at, `${entry.rel}: git metadata folder not scanned`, {});
    case 'unreadable':
      return makeFinding(MISC_CODES, 'FILE_UNREADABLE', at, `${entry.rel}: cannot read (${entry.reason})`, { reason: entry.reason });
  }
}

async function scanOneFile(
  entry: Extract<WalkEntry, { kind: 'file' }>,
  root: string,
  options: ScanOptions,
): Promise<{ file: ScannedFile; findings: Finding[] }> {
  const ctx = createRootContext(entry.rel, { limits: options.limits ?? {}, disk: { absPath: entry.abs, root, ...(options.allowedRoots ? { allowedRoots: options.allowedRoots } : {}) } });
  const file: ScannedFile = { path: entry.rel, size: entry.size, sha256: '', format: 'unknown', facts: {}, nested: [] };
  try {
    if (options.maxFileSize !== undefined && entry.size > options.maxFileSize) {
      file.sha256 = await sha256File(entry.abs);
      return {
        file,
        findings: [
          makeFinding(MISC_CODES, 'FILE_TOO_LARGE', ctx, `${entry.rel}: ${entry.size} bytes exceeds the policy limit of ${options.maxFileSize}; not analysed`, {
            size: entry.size,
            limit: options.maxFileSize,
          }),
        ],
      };
    }
    let report: FormatReport;
    if (entry.size <= IN_MEMORY_MAX) {
      const bytes = await readFile(entry.abs);
      file.sha256 = sha256Bytes(bytes);
      report = await scanSource(bufferSource(bytes, entry.rel), ctx, entry.rel);
    } else {
      // Large files: hash in one sequential pass while the parser reads only headers and pickles.
      const source = await openFileSource(entry.abs, entry.rel);
      try {
        const [digest, scanned] = await Promise.all([sha256File(entry.abs), scanSource(source, ctx, entry.rel)]);
        file.sha256 = digest;
        report = scanned;
      } finally {
        await source.close();
      }
    }
    file.format = report.format;
    file.facts = report.facts as Record<string, unknown>;
    file.nested = flattenNested(report);
    return { file, findings: collectFindings(report) };
  } catch (error) {
    return {
      file,
      findings: [makeFinding(MISC_CODES, 'FILE_UNREADABLE', ctx, `${entry.rel}: cannot read (${describeError(error)})`, { reason: describeError(error) })],
    };
  }
}

/** Walks the target, hashes and parses every file. The formats stage's whole output. */
export async function scanTarget(target: string, options: ScanOptions = {}): Promise<ScanResult> {
  const walk = await walkTarget(target, { ...(options.exclude ? { exclude: options.exclude } : {}), ...(options.allowedRoots ? { allowedRoots: options.allowedRoots } : {}) });
  const findings: Finding[] = [];
  const fileEntries: Array<Extract<WalkEntry, { kind: 'file' }>> = [];
  for (const entry of walk.entries) {
    if (entry.kind === 'file') fileEntries.push(entry);
    else findings.push(entryFinding(entry));
  }
  const results: Array<{ file: ScannedFile; findings: Finding[] }> = new Array(fileEntries.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, fileEntries.length)) }, async () => {
    while (next < fileEntries.length) {
      const index = next++;
      results[index] = await scanOneFile(fileEntries[index]!, walk.root, options);
    }
  });
  await Promise.all(workers);
  const files = results.map((r) => r.file);
  const fileFindings = results.flatMap((r) => r.findings);
  const result: ScanResult = { target, root: walk.root, files, findings: [...findings, ...fileFindings] };
  return markExternalData(result);
}
