import { InvalidArgumentError, Option, type Command } from 'commander';
import { SignError } from '../sign/errors.js';
import { DEFAULT_SIGNATURE_PATH, signModel } from '../sign/sign-model.js';
import type { SignerSpec } from '../sign/dsse-signer.js';
import { ignorePathsOutsideModel } from '../sign/ignore-paths.js';
import { resolveIdentityToken } from '../sign/token.js';
import { EXIT } from './exit-codes.js';

interface SignFlags {
  key?: string;
  certificate?: string;
  certificateChain: string[];
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  signature: string;
  ignorePaths: string[];
  ignoreGitPaths: boolean;
  allowSymlinks?: boolean;
  hash: 'sha256' | 'blake2b';
  shardSize?: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer (bytes)');
  return n;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A Sigstore service URL: https, or plain http only on loopback (the OIDC token must not travel in clear). */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an https URL');
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) throw new InvalidArgumentError('plain http is allowed only on loopback; use https');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('expected an https URL');
  return value.replace(/\/+$/, '');
}

class UsageError extends Error {}

async function signerFromFlags(f: SignFlags): Promise<SignerSpec> {
  const keyless = f.identityToken !== undefined;
  if (keyless && (f.key !== undefined || f.certificate !== undefined)) throw new UsageError('--identity-token signs keyless: do not combine it with --key or --certificate');
  if (f.certificateChain.length > 0 && f.certificate === undefined) throw new UsageError('--certificate-chain needs --certificate');
  if (!keyless && (f.fulcioUrl || f.rekorUrl || f.tsaUrl)) throw new UsageError('--fulcio-url, --rekor-url and --tsa-url apply only with --identity-token');
  if (keyless) {
    return {
      method: 'sigstore',
      identityToken: await resolveIdentityToken(f.identityToken!),
      ...(f.fulcioUrl ? { fulcioURL: f.fulcioUrl } : {}),
      ...(f.rekorUrl ? { rekorURL: f.rekorUrl } : {}),
      ...(f.tsaUrl ? { tsaURL: f.tsaUrl } : {}),
    };
  }
  if (f.key === undefined) throw new UsageError('choose a signing method: --key F, --certificate F --key F [--certificate-chain F], or --identity-token T');
  if (f.certificate !== undefined) return { method: 'certificate', privateKeyPath: f.key, certificatePath: f.certificate, certificateChainPaths: f.certificateChain };
  return { method: 'key', privateKeyPath: f.key };
}

/** `modelscan sign <model>`: writes an OMS model.sig (Sigstore bundle) that model_signing v1.x verifies. Exit 0 written, 2 not. */
export function registerSignCommand(program: Command): void {
  program
    .command('sign')
    .description('sign a model folder or file as OpenSSF model_signing does (OMS model.sig); exit 0 signed, 2 could not sign')
    .argument('<model>', 'model folder or file')
    .option('--key <file>', 'PEM EC private key (P-256, P-384 or P-521); with --certificate, the certificate\'s key')
    .option('--certificate <file>', 'PEM signing certificate for --key (certificate method)')
    .option('--certificate-chain <file>', 'PEM intermediate certificate(s) to include after the signing certificate (repeatable)', collect, [])
    .option('--identity-token <token>', 'keyless Sigstore signing with this OIDC token, or @file to read it from a file')
    .option('--fulcio-url <url>', 'keyless: Fulcio base URL (default https://fulcio.sigstore.dev)', httpUrl)
    .option('--rekor-url <url>', 'keyless: Rekor base URL (default https://rekor.sigstore.dev)', httpUrl)
    .option('--tsa-url <url>', 'keyless: RFC 3161 timestamp authority base URL (default: none)', httpUrl)
    .option('--signature <file>', 'where to write the signature; as with model_signing, the default is in the working folder, not in the model', DEFAULT_SIGNATURE_PATH)
    .option('--ignore-paths <path>', 'leave this path unsigned (repeatable): relative to the working folder when that lands in the model, as model_signing takes it, else to the model folder', collect, [])
    .option('--no-ignore-git-paths', 'sign .git, .gitattributes, .github and .gitignore too')
    .option('--allow-symlinks', 'sign symlinked files by their target content (default: a symlink is an error)')
    .addOption(new Option('--hash <algorithm>', 'content hash').choices(['sha256', 'blake2b']).default('sha256'))
    .option('--shard-size <bytes>', 'hash files in shards of this many bytes (model_signing shard serialization)', positiveInt)
    .action(async (model: string, flags: SignFlags) => {
      try {
        const signer = await signerFromFlags(flags);
        for (const p of ignorePathsOutsideModel(model, flags.ignorePaths)) {
          process.stderr.write(`modelscan: sign: warning: --ignore-paths ${p} points outside ${model}; not applied\n`);
        }
        const result = await signModel({
          modelPath: model,
          signer,
          signaturePath: flags.signature,
          ignorePaths: flags.ignorePaths,
          ignoreGitPaths: flags.ignoreGitPaths,
          hashType: flags.hash,
          ...(flags.shardSize !== undefined ? { shardSize: flags.shardSize } : {}),
          ...(flags.allowSymlinks ? { allowSymlinks: true } : {}),
        });
        process.stdout.write(`wrote ${flags.signature} (${result.method}; ${result.resources} resources; model ${result.modelName} sha256:${result.rootDigest})\n`);
        process.exitCode = EXIT.APPROVE;
      } catch (error) {
        if (!(error instanceof SignError) && !(error instanceof UsageError)) throw error;
        const code = error instanceof SignError ? `${error.code}: ` : '';
        process.stderr.write(`modelscan: sign: ${code}${error.message}\n`);
        process.exitCode = EXIT.INCOMPLETE;
      }
    });
}
