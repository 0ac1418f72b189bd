import { open } from 'node:fs/promises';
import { SignError, type SignErrorCode } from './errors.js';

/** Key, certificate and token files are small; anything bigger is not one of them. */
const MAX_CREDENTIAL_BYTES = 1024 * 1024;

/** Reads a small credential file whole, refusing special files and oversized input. */
export async function readCredentialFile(path: string, code: SignErrorCode, what: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SignError(code, `${path}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new SignError(code, `${path}: ${what} is not a regular file`);
    if (st.size > MAX_CREDENTIAL_BYTES) throw new SignError(code, `${path}: ${what} is ${st.size} bytes, more than ${MAX_CREDENTIAL_BYTES}`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
