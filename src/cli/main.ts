#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { check } from '../check.js';
import { ModelscanError, describeError } from '../core/errors.js';
import { toolVersion } from '../core/package-root.js';
import { loadPolicy } from '../policy/load.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../report/render.js';
import { lock } from '../lock.js';
import { FetchError } from '../fetch/index.js';
import type { HubOptions } from '../target.js';
import { EXIT } from './exit-codes.js';

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
  jobs: number;
  quiet?: boolean;
  revision?: string;
  endpoint?: string;
  tokenFile?: string;
  cacheDir?: string;
  offline?: boolean;
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
    .option('-j, --jobs <n>', 'files scanned in parallel', positiveInt, 4)
    .option('-q, --quiet', 'print nothing on stdout when --output is not given, and no progress bar; the exit code tells the verdict');
  withHubOptions(checkCommand).action(async (target: string, opts: CheckFlags) => {
    const report = await check(target, {
      ...(opts.policy ? { policyPath: opts.policy } : {}),
      ...(opts.lockfile ? { lockfilePath: opts.lockfile } : {}),
      concurrency: opts.jobs,
      hub: hubOptions(opts),
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
  return program;
}

/** Defence in depth: whatever an error says, a token from the environment never reaches stderr. */
function redact(text: string): string {
  let out = text;
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const secret = process.env[name];
    if (secret && secret.length >= 4) out = out.split(secret).join('<redacted>');
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = buildProgram();
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
      process.stderr.write(`modelscan: ${redact(error.message)}\n`);
      return EXIT.INCOMPLETE;
    }
    if (error instanceof ModelscanError) {
      process.stderr.write(`modelscan: ${redact(error.message)}\n`);
      return EXIT.INCOMPLETE;
    }
    process.stderr.write(`modelscan: internal error: ${redact(describeError(error))}\n`);
    return EXIT.INCOMPLETE;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
