import { dssePae } from '../verify/oms/pae.js';
import { offlineBundleJSON } from './bundle-json.js';
import { loadCertificateChain } from './certificates.js';
import { ecdsaSign, loadEcSigningKey } from './keys.js';
import { signKeyless, type KeylessOptions } from './keyless.js';

/** Who signs: a local EC key, a key with its X.509 chain, or keyless Sigstore (Fulcio + Rekor). */
export type SignerSpec =
  | { method: 'key'; privateKeyPath: string; password?: string }
  | { method: 'certificate'; privateKeyPath: string; password?: string; certificatePath: string; certificateChainPaths: string[] }
  | ({ method: 'sigstore' } & KeylessOptions);

/** Signs `payload` as a DSSE envelope and returns the Sigstore bundle JSON object (media type v0.3). */
export async function signDsse(payloadType: string, payload: Buffer, signer: SignerSpec): Promise<Record<string, unknown>> {
  if (signer.method === 'sigstore') return signKeyless(payloadType, payload, signer);
  const key = await loadEcSigningKey(signer.privateKeyPath, signer.password);
  const material =
    signer.method === 'key'
      ? ({ kind: 'publicKey', hint: key.hint } as const)
      : ({ kind: 'certificateChain', certificatesDer: await loadCertificateChain(key, signer.certificatePath, signer.certificateChainPaths) } as const);
  const signature = ecdsaSign(key, dssePae(payloadType, payload));
  return offlineBundleJSON({ payloadType, payload, signature }, material);
}
