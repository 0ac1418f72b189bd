import { rename, rm, writeFile } from 'node:fs/promises';
import { SignError } from './errors.js';

/** Writes next to the destination, then renames: a reader never sees half a bundle. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new SignError('SIGN_OUTPUT_UNWRITABLE', `${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
