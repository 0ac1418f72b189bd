import { SignError } from './errors.js';
import { readCredentialFile } from './read-small.js';

/** `--identity-token T`: the token itself, or `@file` to read it from a file (kept out of the process list). */
export async function resolveIdentityToken(value: string): Promise<string> {
  const token = value.startsWith('@') ? (await readCredentialFile(value.slice(1), 'SIGN_TOKEN_INVALID', 'identity token')).toString('utf8') : value;
  const trimmed = token.trim();
  if (trimmed === '') throw new SignError('SIGN_TOKEN_INVALID', value.startsWith('@') ? `${value.slice(1)}: identity token file is empty` : 'identity token is empty');
  return trimmed;
}
