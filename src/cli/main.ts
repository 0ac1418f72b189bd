#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { check, type CheckOptions } from '../check.js';
import { ModelscanError, describeError } from '../core/errors.js';
import { toolVersion } from '../core/package-root.js';
import { loadPolicy } from '../policy/load.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../report/render.js';
import { lock } from '../lock.js';
import { FetchError } from '../fetch/index.js';
import type { HubOptions } from '../target.js';
import { SignError } from '../sign/errors.js';
import { registerAttestCommand } from './attest-command.js';
import { EXIT } from './exit-codes.js';
import { abandonedRuns } from '../probes/runtime/index.js';
import { httpUrl, registerSignCommand } from './sign-command.js';
import { registerVerifyCommand } from './verify-command.js';

async function emit(text: string, output: string | undefined): Promise<void> {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(output, text);
  } catch (error) {
    throw new ModelscanError('OUTPUT_UNWRITABLE', `${output}: cannot write report (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

interface CheckFlags {
  policy?: string;
  format: ReportFormat;
  output?: string;
  lockfile?: string;
  golden?: string;
  jobs: number;
  quiet?: boolean;
  revision?: string;
  endpoint?: string;
  tokenFile?: string;
  cacheDir?: string;
  offline?: boolean;
  signature?: string;
  publicKey: string[];
  certificateChain: string[];
  identity: string[];
  identityProvider: string[];
  trustRoot?: string;
  attest?: string;
  attestKey?: string;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
}

/** --identity I --identity-provider U, paired in order: each Sigstore signer needs both. */
function signatureOptions(opts: CheckFlags): Pick<CheckOptions, 'signaturePath' | 'trust'> {
  if (opts.identity.length !== opts.identityProvider.length)
    throw new ModelscanError('USAGE', `--identity and --identity-provider come in pairs (got ${opts.identity.length} and ${opts.identityProvider.length})`);
  const signers = opts.identity.map((identity, i) => ({ identity, issuer: opts.identityProvider[i]! }));
  return {
    ...(opts.signature ? { signaturePath: opts.signature } : {}),
    trust: {
      signers,
      publicKeys: opts.publicKey,
      certificateChains: opts.certificateChain,
      ...(opts.trustRoot ? { trustedRoot: opts.trustRoot } : {}),
    },
  };
}

function attestOptions(opts: CheckFlags): Pick<CheckOptions, 'attest'> {
  if (!opts.attest) {
    const stray = (['attestKey', 'identityToken', 'fulcioUrl', 'rekorUrl', 'tsaUrl'] as const).find((k) => opts[k] !== undefined);
    if (stray) throw new ModelscanError('USAGE', `--${stray.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} needs --attest`);
    return {};
  }
  // The environment's token (CI) is the default for keyless signing only: a local key wins over it.
  const identityToken = opts.identityToken ?? (opts.attestKey ? undefined : process.env['SIGSTORE_ID_TOKEN'] || undefined);
  return {
    attest: {
      path: opts.attest,
      ...(opts.attestKey ? { key: opts.attestKey } : {}),
      ...(identityToken ? { identityToken } : {}),
      ...(opts.fulcioUrl ? { fulcioURL: opts.fulcioUrl } : {}),
      ...(opts.rekorUrl ? { rekorURL: opts.rekorUrl } : {}),
      ...(opts.tsaUrl ? { tsaURL: opts.tsaUrl } : {}),
    },
  };
}

function hubOptions(opts: CheckFlags): HubOptions {
  return {
    ...(opts.revision ? { revision: opts.revision } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.offline ? { offline: true } : {}),
    jobs: opts.jobs,
    ...(opts.quiet ? { progress: false } : {}),
  };
}

/** The fetch-stage flags, shared by every command that takes a hub target. */
function withHubOptions(command: Command): Command {
  return command
    .option('-r, --revision <rev>', 'hub targets: branch, tag, refs/pr/N or commit to fetch (default main); always downloaded by commit')
    .option('--endpoint <url>', 'hub targets: hub base URL (default: HF_ENDPOINT, else https://huggingface.co)')
    .option('--token-file <file>', 'hub targets: file holding the access token (default: HF_TOKEN, else the hub client token file)')
    .option('--cache-dir <dir>', 'hub targets: hub cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub)')
    .option('--offline', 'hub targets: use only the cache, no network (also HF_HUB_OFFLINE=1)');
}

function buildProgram(): Command {
  const program = new Command('modelscan')
    .description('Vet a machine-learning model before adoption: APPROVE or DENY with the evidence.')
    .version(toolVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const checkCommand = program
    .command('check')
    .description('scan a model file or folder and decide under a policy (exit 0 APPROVE, 1 DENY, 2 could not complete)')
    .argument('<target>', 'model file or folder, or a hub repository: org/name or hf://org/name')
    .option('-p, --policy <file>', 'policy YAML (default: the strict built-in policies/default.yaml)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--lockfile <file>', 'verify every file against this modelscan.lock (overrides the policy lockfile.path)')
    .option('--golden <path>', 'golden set for the behavioural probes: .npz, folder with inputs.npy + labels.npy, or .safetensors (overrides probes.golden)')
    .option('-j, --jobs <n>', 'files scanned in parallel', positiveInt, 4)
    .option('-q, --quiet', 'print nothing on stdout when --output is not given, and no progress bar; the exit code tells the verdict')
    .option('--signature <file>', 'OMS model signature to verify (default: the policy signature.path, model.sig in the model folder); it must exist')
    .option('--public-key <file>', 'trust this PEM public key for key-signed models (repeatable; added to signature.public_keys)', collect, [])
    .option('--certificate-chain <file>', 'trust this PEM CA certificate for certificate-signed models (repeatable; added to signature.certificate_chains)', collect, [])
    .option('--identity <identity>', 'trust this Sigstore signer identity (certificate SAN), paired with --identity-provider (repeatable)', collect, [])
    .option('--identity-provider <url>', 'OIDC issuer of the matching --identity (repeatable)', collect, [])
    .option('--trust-root <file>', 'Sigstore trusted_root.json or model_signing trust config replacing the shipped one (and signature.trusted_root)')
    .option('--attest <file>', 'also write a signed in-toto attestation of the verdict (a Sigstore bundle) to this file')
    .option('--attest-key <file>', 'sign the attestation with this PEM EC private key (default: keyless, with an identity token)')
    .option('--identity-token <token>', 'OIDC token for keyless attestation signing (default: SIGSTORE_ID_TOKEN)')
    .option('--fulcio-url <url>', 'keyless attestation: Fulcio URL (default: the Sigstore public-good instance)', httpUrl)
    .option('--rekor-url <url>', 'keyless attestation: Rekor URL (default: the Sigstore public-good instance)', httpUrl)
    .option('--tsa-url <url>', 'keyless attestation: RFC 3161 timestamp authority URL (default: none)', httpUrl);
  withHubOptions(checkCommand).action(async (target: string, opts: CheckFlags) => {
    const report = await check(target, {
      ...(opts.policy ? { policyPath: opts.policy } : {}),
      ...(opts.lockfile ? { lockfilePath: opts.lockfile } : {}),
      ...(opts.golden ? { goldenPath: opts.golden } : {}),
      concurrency: opts.jobs,
      hub: hubOptions(opts),
      ...signatureOptions(opts),
      ...attestOptions(opts),
    });
    if (!(opts.quiet && !opts.output)) await emit(renderReport(report, opts.format), opts.output);
    process.exitCode = report.verdict === 'APPROVE' ? EXIT.APPROVE : EXIT.DENY;
  });

  const lockCommand = program
    .command('lock')
    .description('write modelscan.lock: every file of the target with its size and sha256')
    .argument('<target>', 'model folder, or a hub repository (org/name, hf://org/name)')
    .option('-o, --output <file>', 'lockfile path (default: <target>/modelscan.lock; ./modelscan.lock for a hub target)')
    .option('-j, --jobs <n>', 'hub targets: parallel downloads', positiveInt, 4)
    .option('-q, --quiet', 'no progress bar');
  withHubOptions(lockCommand).action(async (target: string, opts: CheckFlags) => {
    const { path, files } = await lock(target, opts.output, hubOptions(opts));
    process.stdout.write(`wrote ${path} (${files} files)\n`);
  });

  const policy = program.command('policy').description('work with policy files');
  policy
    .command('validate')
    .description('validate a policy YAML against the schema (exit 0 valid, 2 invalid)')
    .argument('<file>', 'policy YAML')
    .action(async (file: string) => {
      const loaded = await loadPolicy(file);
      process.stdout.write(`${file}: valid policy "${loaded.policy.name}" (sha256 ${loaded.sha256})\n`);
    });

  registerVerifyCommand(program);
  registerSignCommand(program);
  registerAttestCommand(program);
  return program;
}

/** Tokens given on the command line (--identity-token T or --identity-token=T). */
function argvSecrets(argv: readonly string[]): string[] {
  const out: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--identity-token' && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (arg.startsWith('--identity-token=')) out.push(arg.slice('--identity-token='.length));
  });
  return out;
}

/** Defence in depth: whatever an error says, a token from the environment or the command line never reaches stderr. */
function redact(text: string, extra: readonly string[] = []): string {
  let out = text;
  const secrets = [...['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'SIGSTORE_ID_TOKEN'].map((name) => process.env[name]), ...extra];
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('<redacted>');
  return out;
}

export async function main(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = buildProgram();
  const secrets = argvSecrets(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.APPROVE;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every usage error is "could not complete".
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return EXIT.INCOMPLETE;
    }
    if (error instanceof FetchError) {
      process.stderr.write(`modelscan: ${redact(error.message, secrets)}\n`);
      return EXIT.INCOMPLETE;
    }
    if (error instanceof SignError) {
      // check --attest could not sign or write the attestation: the verdict is not attested, so exit 2.
      process.stderr.write(`modelscan: attestation: ${error.code}: ${redact(error.message, secrets)}\n`);
      return EXIT.INCOMPLETE;
    }
    if (error instanceof ModelscanError) {
      process.stderr.write(`modelscan: ${redact(error.message, secrets)}\n`);
      return EXIT.INCOMPLETE;
    }
    process.stderr.write(`modelscan: internal error: ${redact(describeError(error), secrets)}\n`);
    return EXIT.INCOMPLETE;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// A forward pass that ran past its deadline was abandoned; its native thread can never finish, so end now.
if (abandonedRuns() > 0) process.exit(code);
