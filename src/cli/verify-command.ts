import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { SIGNATURE_CODES, SignatureError, verifyModelSignature, type SignatureTrust, type VerifyModelOptions } from '../verify/oms/index.js';
import { insideRoot } from '../verify/oms/ignore.js';
import { snapshotBlobRoots } from '../fetch/cache-layout.js';
import { EXIT } from './exit-codes.js';

interface CommonFlags {
  signature?: string;
  ignorePaths?: string[];
  ignoreUnsignedFiles?: boolean;
  ignoreGitPaths: boolean;
}

/** model_signing's default: `model.sig` inside the model folder when there is one, else ./model.sig. */
export function defaultSignaturePath(model: string): string {
  try {
    if (statSync(model).isDirectory() && existsSync(join(model, 'model.sig'))) return join(model, 'model.sig');
  } catch {
    // the model is checked (and reported) by the verifier
  }
  return 'model.sig';
}

/**
 * `--ignore-paths` as model_signing takes them (relative to the working directory) when that lands
 * inside the model, else relative to the model folder.
 */
export function cliIgnorePaths(model: string, paths: readonly string[]): string[] {
  let root: string;
  try {
    root = realpathSync(model);
  } catch {
    return [...paths];
  }
  return paths.map((p) => {
    const abs = resolve(p);
    const real = existsSync(abs) ? realpathSync(abs) : abs;
    return insideRoot(root, real) !== null ? real : p;
  });
}

function withCommonFlags(command: Command): Command {
  return command
    .argument('<model>', 'model folder or file')
    .option('-s, --signature <file>', 'the signature (default: model.sig in the model folder if present, else ./model.sig)')
    .option('--ignore-paths <paths...>', 'paths to leave out of the check (relative to the working directory or to the model folder)')
    .option('--ignore-unsigned-files', 'check only the files the signature lists; tolerate other files')
    .option('--no-ignore-git-paths', 'do not ignore .git, .gitattributes, .github and .gitignore at the top of the model');
}

async function runVerify(model: string, flags: CommonFlags, method: VerifyModelOptions['method'], trust: SignatureTrust): Promise<void> {
  const signaturePath = flags.signature ?? defaultSignaturePath(model);
  try {
    const result = await verifyModelSignature({
      modelPath: model,
      signaturePath,
      method,
      trust,
      ignorePaths: cliIgnorePaths(model, flags.ignorePaths ?? []),
      ignoreGitPaths: flags.ignoreGitPaths,
      ignoreUnsignedFiles: flags.ignoreUnsignedFiles === true,
      // A hub cache snapshot: its files are symlinks into the repository's blobs/ folder.
      symlinkRoots: snapshotBlobRoots(model),
    });
    if (result.valid) {
      const who = Object.entries(result.signer)
        .filter(([k]) => ['identity', 'issuer', 'publicKey', 'subject', 'anchor'].includes(k))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      process.stdout.write(`verified: ${model} (${result.resources.length} resources, root sha256:${result.rootDigest}) signed with ${result.method}: ${who}\n`);
      process.exitCode = EXIT.APPROVE;
    } else if ((SIGNATURE_CODES[result.code] as { incomplete?: boolean }).incomplete) {
      // A feature this tool does not know (a serialization, a hash, a key type): not checked, so not "invalid".
      process.stderr.write(`modelscan: could not verify: ${result.code}: ${result.reason}\n`);
      process.exitCode = EXIT.INCOMPLETE;
    } else {
      process.stderr.write(`modelscan: verification failed: ${result.code}: ${result.reason}\n`);
      process.exitCode = EXIT.DENY;
    }
  } catch (error) {
    if (!(error instanceof SignatureError)) throw error;
    process.stderr.write(`modelscan: could not verify: ${error.code}: ${error.message}\n`);
    process.exitCode = EXIT.INCOMPLETE;
  }
}

function nonEmpty(value: string): string {
  if (value === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

/** `modelscan verify sigstore|key|certificate`, shaped like model_signing's `verify` commands. */
export function registerVerifyCommand(program: Command): void {
  const verify = program
    .command('verify')
    .description('verify an OpenSSF model-signing (OMS) signature and the model files it covers (exit 0 valid, 1 invalid, 2 could not complete)');

  withCommonFlags(verify.command('sigstore').description('verify a Sigstore (Fulcio + Rekor) signature offline'))
    .requiredOption('--identity <identity>', 'the signer identity (certificate SAN) to trust, exact match', nonEmpty)
    .requiredOption('--identity-provider <url>', 'the OIDC issuer of that identity, exact match', nonEmpty)
    .option('--trust-config <file>', 'a model_signing ClientTrustConfig JSON (its trustedRoot is used)')
    .option('--trust-root <file>', 'a Sigstore trusted_root.json (default: the public-good root shipped with modelscan)')
    .action(async (model: string, flags: CommonFlags & { identity: string; identityProvider: string; trustConfig?: string; trustRoot?: string }) => {
      if (flags.trustConfig && flags.trustRoot) {
        process.stderr.write('modelscan: give --trust-config or --trust-root, not both\n');
        process.exitCode = EXIT.INCOMPLETE;
        return;
      }
      const trustedRootPath = flags.trustConfig ?? flags.trustRoot;
      await runVerify(model, flags, 'sigstore', {
        sigstore: { identities: [{ identity: flags.identity, issuer: flags.identityProvider }], ...(trustedRootPath ? { trustedRootPath } : {}) },
      });
    });

  withCommonFlags(verify.command('key').description('verify a signature made with an EC private key (P-256, P-384, P-521)'))
    .requiredOption('--public-key <file>', 'the PEM public key to trust')
    .action(async (model: string, flags: CommonFlags & { publicKey: string }) => {
      await runVerify(model, flags, 'key', { publicKeyPaths: [flags.publicKey] });
    });

  withCommonFlags(verify.command('certificate').description('verify a signature made with a certificate issued by your CA'))
    .requiredOption('--certificate-chain <files...>', 'PEM file(s) with the CA certificate(s) to trust (self-signed root, optionally intermediates)')
    .option('--san <names...>', 'require the signing certificate to carry one of these subject alternative names')
    .action(async (model: string, flags: CommonFlags & { certificateChain: string[]; san?: string[] }) => {
      await runVerify(model, flags, 'certificate', { certificateChainPaths: flags.certificateChain, ...(flags.san ? { sanPins: flags.san } : {}) });
    });
}
