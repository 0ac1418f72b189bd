/**
 * A stand-in for src/cli/main.ts with only `verify` registered, so the command can be tested end to
 * end before main.ts registers it. Same error handling contract: usage errors and crashes exit 2.
 */
import { Command, CommanderError } from 'commander';
import { registerVerifyCommand } from '../../../src/cli/verify-command.js';

const program = new Command('modelscan').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
registerVerifyCommand(program);
try {
  process.exitCode = undefined;
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
  if (typeof process.exitCode !== 'number') process.exitCode = 0;
} catch (error) {
  if (!(error instanceof CommanderError)) process.stderr.write(`modelscan: internal error: ${(error as Error).message}\n`);
  process.exitCode = error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
}
