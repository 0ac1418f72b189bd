import { signDsse } from '../sign/dsse-signer.js';
import type { KeylessOptions } from '../sign/keyless.js';
import { IN_TOTO_PAYLOAD_TYPE } from './constants.js';
import type { CheckStatement } from './predicate.js';

/** A local EC key (offline, P-256/384/521) or keyless Sigstore (Fulcio certificate + Rekor entry). */
export type AttestationSigner = { method: 'key'; privateKeyPath: string; password?: string } | ({ method: 'sigstore' } & KeylessOptions);

/** Signs the statement as a DSSE envelope (payloadType application/vnd.in-toto+json); returns the Sigstore bundle JSON. */
export async function signAttestation(statement: CheckStatement, signer: AttestationSigner): Promise<Record<string, unknown>> {
  return signDsse(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), signer);
}
