import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** ../shared/signing-vectors (model_signing test vectors, read-only). */
export const VECTORS = fileURLToPath(new URL('../../../shared/signing-vectors/', import.meta.url));
export const GOLDENS = join(VECTORS, 'hashing-goldens');
export const KEYS = join(VECTORS, 'keys', 'certificate');
export const PUBLIC_GOOD_ROOT = join(VECTORS, 'trust', 'trusted_root.public-good.json');
export const SIGSTORE_IDENTITY = 'stefanb@us.ibm.com';
export const SIGSTORE_ISSUER = 'https://sigstore.verify.ibm.com/oauth2';
