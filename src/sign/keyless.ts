import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';
import { describeError } from '../core/errors.js';
import { SignError } from './errors.js';

export const PUBLIC_GOOD_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_GOOD_REKOR_URL = 'https://rekor.sigstore.dev';

export interface KeylessOptions {
  identityToken: string;
  fulcioURL?: string;
  rekorURL?: string;
  /** RFC 3161 timestamp authority; none unless given. */
  tsaURL?: string;
  /** Rekor v1 entry kind: `dsse` (what sigstore-python writes) or the older `intoto`. */
  rekorEntryType?: 'dsse' | 'intoto';
  /** Per-request timeout in ms. */
  timeoutMs?: number;
}

/** Minimal JWT shape check so a pasted file path or garbage fails before any network call. */
export function assertJwtShape(token: string): void {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) throw new SignError('SIGN_TOKEN_INVALID', 'identity token is not a JWT (header.payload.signature)');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new SignError('SIGN_TOKEN_INVALID', 'identity token payload is not base64url JSON');
  }
  if (typeof claims !== 'object' || claims === null) throw new SignError('SIGN_TOKEN_INVALID', 'identity token payload is not a JSON object');
  const { sub, email, email_verified: verified } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' && typeof email !== 'string') throw new SignError('SIGN_TOKEN_INVALID', 'identity token has no sub or email claim');
  if (typeof email === 'string' && verified !== true) throw new SignError('SIGN_TOKEN_INVALID', 'identity token email is not verified (email_verified)');
}

/**
 * Keyless Sigstore signing of a DSSE payload: an ephemeral P-256 key certified by Fulcio for the token's
 * identity, the signature witnessed by Rekor (and a TSA when given). Returns the bundle's JSON (v0.3).
 * Error messages never include the token.
 */
export async function signKeyless(payloadType: string, payload: Buffer, o: KeylessOptions): Promise<Record<string, unknown>> {
  const token = o.identityToken.trim();
  assertJwtShape(token);
  const fetchOptions = { timeout: o.timeoutMs ?? 30_000, retry: { retries: 2 } };
  const signer = new FulcioSigner({
    fulcioBaseURL: o.fulcioURL ?? PUBLIC_GOOD_FULCIO_URL,
    identityProvider: { getToken: async () => token },
    ...fetchOptions,
  });
  const witnesses: Witness[] = [new RekorWitness({ rekorBaseURL: o.rekorURL ?? PUBLIC_GOOD_REKOR_URL, entryType: o.rekorEntryType ?? 'dsse', ...fetchOptions })];
  if (o.tsaURL) witnesses.push(new TSAWitness({ tsaBaseURL: o.tsaURL, ...fetchOptions }));
  try {
    const bundle = await new DSSEBundleBuilder({ signer, witnesses }).create({ data: payload, type: payloadType });
    return bundleToJSON(bundle) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new SignError('SIGN_KEYLESS_FAILED', `keyless signing failed: ${redactToken(describeError(error), token)}`);
  }
}

function redactToken(text: string, token: string): string {
  return (token.length >= 8 ? text.split(token).join('<token>') : text).replace(/\s+/g, ' ').slice(0, 500);
}
