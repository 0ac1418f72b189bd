import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Env, envTruthy, expandPath, hfHome } from './env.js';
import { FetchError } from './errors.js';

export interface TokenSource {
  token?: string | null;
  tokenFile?: string;
}

/**
 * The token to send, in this order: explicit `token` (null: never send one), `tokenFile`,
 * HF_TOKEN (legacy HUGGING_FACE_HUB_TOKEN), the file $HF_TOKEN_PATH, the file $HF_HOME/token.
 * HF_HUB_DISABLE_IMPLICIT_TOKEN turns the environment and stored-file sources off.
 */
export async function resolveToken(source: TokenSource, env: Env, home?: string): Promise<string | undefined> {
  if (source.token === null) return undefined;
  if (source.token !== undefined) return checkToken(source.token.trim(), 'the token option');
  if (source.tokenFile !== undefined) {
    const text = await readTokenFile(expandPath(source.tokenFile, env, home), true);
    if (text === undefined) throw new FetchError('AUTH_REQUIRED', `token file ${source.tokenFile} is empty`);
    return checkToken(text, `token file ${source.tokenFile}`);
  }
  if (envTruthy(env.HF_HUB_DISABLE_IMPLICIT_TOKEN)) return undefined;
  const fromEnv = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return checkToken(fromEnv, 'HF_TOKEN');
  const path = env.HF_TOKEN_PATH ? expandPath(env.HF_TOKEN_PATH, env, home) : join(hfHome(env, home), 'token');
  const stored = await readTokenFile(path, false);
  return stored === undefined ? undefined : checkToken(stored, `token file ${path}`);
}

async function readTokenFile(path: string, required: boolean): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
    throw new FetchError('AUTH_REQUIRED', `cannot read token file ${path}: ${code ?? 'unreadable'}`);
  }
  const token = text.trim();
  return token === '' ? undefined : token;
}

/** A token is sent as a header: anything but visible ASCII could split or smuggle headers. */
function checkToken(token: string, where: string): string | undefined {
  if (token === '') return undefined;
  if (!/^[\x21-\x7e]{1,4096}$/.test(token)) throw new FetchError('AUTH_REQUIRED', `${where} holds characters that cannot be sent in a header`);
  return token;
}
