import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ModelscanError } from '../core/errors.js';
import { makeFinding, type Finding } from '../core/finding.js';
import { toolVersion } from '../core/package-root.js';
import type { ScannedFile } from '../core/report.js';
import { LOCKFILE_CODES } from './codes.js';

export const LOCKFILE_NAME = 'modelscan.lock';

export interface LockEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface Lockfile {
  version: 1;
  tool: string;
  files: LockEntry[];
}

export function buildLockfile(files: ReadonlyArray<Pick<ScannedFile, 'path' | 'size' | 'sha256'>>): Lockfile {
  const entries = files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version: 1, tool: `modelscan ${toolVersion()}`, files: entries };
}

export function serializeLockfile(lock: Lockfile): string {
  return JSON.stringify(lock, null, 2) + '\n';
}

/** Parses a lockfile strictly: version 1, every entry a relative path with size and sha256. */
export function parseLockfile(text: string, source: string): Lockfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelscanError('LOCKFILE_INVALID', `${source}: not JSON (${(error as Error).message})`);
  }
  const fail = (why: string): never => {
    throw new ModelscanError('LOCKFILE_INVALID', `${source}: ${why}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('expected a JSON object');
  const object = raw as Record<string, unknown>;
  if (object['version'] !== 1) fail(`unsupported version ${JSON.stringify(object['version'])}`);
  if (!Array.isArray(object['files'])) return fail('"files" must be a list');
  const seen = new Set<string>();
  const files = (object['files'] as unknown[]).map((entry, i): LockEntry => {
    const e = entry as Record<string, unknown>;
    if (!e || typeof e !== 'object') return fail(`files[${i}] is not an object`);
    const { path, size, sha256 } = e;
    if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split('/').includes('..')) return fail(`files[${i}].path is not a relative path`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return fail(`files[${i}].size is not a byte count`);
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return fail(`files[${i}].sha256 is not a hex sha256`);
    if (seen.has(path)) fail(`files[${i}].path ${path} is listed twice`);
    seen.add(path);
    return { path, size, sha256 };
  });
  return { version: 1, tool: typeof object['tool'] === 'string' ? object['tool'] : 'unknown', files };
}

export function resolveLockfilePath(root: string, path: string): string {
  return isAbsolute(path) ? path : join(root, path);
}

export async function readLockfile(path: string): Promise<Lockfile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelscanError('LOCKFILE_INVALID', `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseLockfile(text, path);
}

export async function writeLockfile(path: string, lock: Lockfile): Promise<void> {
  try {
    await writeFile(path, serializeLockfile(lock));
  } catch (error) {
    throw new ModelscanError('OUTPUT_UNWRITABLE', `${path}: cannot write lockfile (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Compares the scanned files with the lockfile: every file pinned, every pin present and equal. */
export function verifyAgainstLockfile(lock: Lockfile, files: readonly ScannedFile[], lockPath: string): Finding[] {
  const findings: Finding[] = [];
  const pinned = new Map(lock.files.map((e) => [e.path, e]));
  const present = new Set<string>();
  for (const file of files) {
    present.add(file.path);
    const pin = pinned.get(file.path);
    const at = { file: file.path, location: [] };
    if (!pin) {
      findings.push(makeFinding(LOCKFILE_CODES, 'LOCKFILE_EXTRA_FILE', at, `${file.path}: not pinned in ${lockPath}`, { sha256: file.sha256 }));
    } else if (pin.sha256 !== file.sha256 || pin.size !== file.size) {
      findings.push(
        makeFinding(LOCKFILE_CODES, 'LOCKFILE_MISMATCH', at, `${file.path}: sha256 ${file.sha256} (${file.size} bytes) but ${lockPath} pins ${pin.sha256} (${pin.size} bytes)`, {
          expected: pin,
          actual: { size: file.size, sha256: file.sha256 },
        }),
      );
    }
  }
  for (const pin of lock.files) {
    if (!present.has(pin.path)) {
      findings.push(makeFinding(LOCKFILE_CODES, 'LOCKFILE_MISSING_FILE', { file: pin.path, location: [] }, `${pin.path}: pinned in ${lockPath} but missing`, { expected: pin }));
    }
  }
  return findings;
}
