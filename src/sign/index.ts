export { signModel, DEFAULT_SIGNATURE_PATH, omsModelName, type SignModelOptions, type SignModelResult } from './sign-model.js';
export { signDsse, type SignerSpec } from './dsse-signer.js';
export { signKeyless, PUBLIC_GOOD_FULCIO_URL, PUBLIC_GOOD_REKOR_URL, type KeylessOptions } from './keyless.js';
export { loadEcSigningKey, publicKeyHint, ecSigningKey, type EcSigningKey } from './keys.js';
export { recordedIgnorePaths, GIT_PATHS } from './ignore-paths.js';
export { resolveIdentityToken } from './token.js';
export { SignError, type SignErrorCode } from './errors.js';
