/** The Sigstore bundle media type model_signing writes and requires (sign_sigstore_pb.py). */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface DsseParts {
  payloadType: string;
  payload: Buffer;
  signature: Buffer;
}

/** `verificationMaterial` of a bundle signed without a transparency log. */
export type OfflineMaterial = { kind: 'publicKey'; hint: string } | { kind: 'certificateChain'; certificatesDer: Buffer[] };

/**
 * A bundle signed with a local key or certificate, field for field as model_signing v1.1 writes it
 * (`keyid: ""`, empty `tlogEntries`). Built by hand: @sigstore/bundle would label a chain bundle v0.2.
 */
export function offlineBundleJSON(dsse: DsseParts, material: OfflineMaterial): Record<string, unknown> {
  const verificationMaterial =
    material.kind === 'publicKey'
      ? { publicKey: { hint: material.hint }, tlogEntries: [] }
      : { x509CertificateChain: { certificates: material.certificatesDer.map((der) => ({ rawBytes: der.toString('base64') })) }, tlogEntries: [] };
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: {
      payload: dsse.payload.toString('base64'),
      payloadType: dsse.payloadType,
      signatures: [{ sig: dsse.signature.toString('base64'), keyid: '' }],
    },
  };
}
