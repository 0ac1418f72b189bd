import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';
import { registerVerifyCommand } from '../../../src/cli/verify-command.js';

/**
 * Runs `modelscan verify ...` in this process (fast): stdout/stderr captured, the exit code read from
 * process.exitCode, commander errors (usage) as 2 like main.ts, the working folder set to `cwd` meanwhile.
 */
export async function verifyCli(args: string[], cwd = process.cwd()): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
  ];
  const before = process.cwd();
  const exitCode = process.exitCode;
  process.chdir(cwd);
  process.exitCode = undefined;
  let status: number;
  try {
    const program = new Command('modelscan').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
    registerVerifyCommand(program);
    await program.parseAsync(['verify', ...args], { from: 'user' });
    status = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    status = 2;
  } finally {
    process.chdir(before);
    process.exitCode = exitCode;
    for (const spy of spies) spy.mockRestore();
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}
