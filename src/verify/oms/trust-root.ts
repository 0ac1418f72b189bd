import { join } from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { packageRoot } from '../../core/package-root.js';
import { SignatureError } from './errors.js';
import { readTrustFile } from './trust-files.js';

const CLIENT_TRUST_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json';

/** The Sigstore public-good trusted root shipped with modelscan (from @sigstore/tuf 4.0.2 seeds). */
export function shippedTrustedRootPath(): string {
  return join(packageRoot(), 'trust', 'trusted_root.public-good.json');
}

/**
 * Loads a Sigstore TrustedRoot: a trusted_root.json, or the `trustedRoot` of a model_signing
 * ClientTrustConfig (`--trust-config`). Default: the shipped public-good root. Offline, no TUF.
 */
export async function loadTrustedRoot(path?: string): Promise<{ root: TrustedRoot; source: string }> {
  const source = path ?? shippedTrustedRootPath();
  const text = (await readTrustFile(source, 'Sigstore trusted root')).toString('utf8');
  const invalid = (why: string): never => {
    throw new SignatureError('SIGNATURE_TRUST_INVALID', `${source}: ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    invalid('not JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return invalid('not a JSON object');
  let rootJson = json as Record<string, unknown>;
  if (rootJson['mediaType'] === CLIENT_TRUST_CONFIG_MEDIA_TYPE || rootJson['trustedRoot'] !== undefined) {
    const inner = rootJson['trustedRoot'];
    if (!inner || typeof inner !== 'object' || Array.isArray(inner)) return invalid('trust config has no trustedRoot object');
    rootJson = inner as Record<string, unknown>;
  }
  if (typeof rootJson['mediaType'] !== 'string' || !rootJson['mediaType'].startsWith('application/vnd.dev.sigstore.trustedroot')) {
    invalid('not a Sigstore trusted root (mediaType application/vnd.dev.sigstore.trustedroot+json expected)');
  }
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(rootJson);
  } catch (error) {
    return invalid(`not a valid trusted root (${(error as Error).message})`);
  }
  if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) invalid('the trusted root has no certificate authority or no transparency log');
  // Every key and certificate is decoded now: one that is not usable is unusable trust (exit 2), never "invalid signature".
  try {
    toTrustMaterial(root);
  } catch (error) {
    invalid(`a key or certificate of the trusted root is not usable (${(error as Error).message.slice(0, 120)})`);
  }
  return { root, source };
}
