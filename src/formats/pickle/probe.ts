import { canonicalName, isIdentifierPath } from './classify.js';
import type { PickleCode } from './codes.js';
import { type MachineHooks, PickleMachine, type PickleRun } from './machine.js';
import { PGlobal, type Value } from './values.js';

/** Hooks that only watch: used to test whether bytes are a pickle, without reporting anything. */
class ProbeHooks implements MachineHooks {
  issues: PickleCode[] = [];
  imports = 0;
  badNames = false;

  global(module: string, name: string): PGlobal {
    this.imports++;
    if (!isIdentifierPath(module) || !isIdentifierPath(name)) this.badNames = true;
    return new PGlobal(module, name, 'unknown', canonicalName(module, name));
  }
  stackGlobal(module: Value, name: Value): PGlobal {
    this.imports++;
    const m = typeof module === 'string' ? module : '<non-literal>';
    const n = typeof name === 'string' ? name : '<non-literal>';
    return new PGlobal(m, n, 'unknown', `${m}.${n}`, false);
  }
  ext(code: number): PGlobal {
    this.imports++;
    return new PGlobal('<extension>', String(code), 'unknown', `<extension>.${code}`, false);
  }
  call(): void {}
  build(): undefined {
    return undefined;
  }
  mutate(): void {}
  persistentId(): void {}
  literal(): void {}
  issue(code: PickleCode): void {
    this.issues.push(code);
  }
}

export interface ProbeResult {
  runs: PickleRun[];
  hooks: ProbeHooks;
}

const PROBE_LIMITS = { maxOps: 1_000_000, maxStack: 100_000, maxMemo: 100_000, maxInlineDepth: 0 };

/** Runs pickles from offset 0 until the bytes end, a run fails or `maxPickles` pickles are read. */
export function probe(bytes: Uint8Array, maxPickles = Infinity, maxOps = PROBE_LIMITS.maxOps): ProbeResult {
  const hooks = new ProbeHooks();
  const machine = new PickleMachine(bytes, hooks, { ...PROBE_LIMITS, maxOps });
  const runs: PickleRun[] = [];
  let pos = 0;
  while (pos < bytes.length && runs.length < maxPickles) {
    const run = machine.run(pos);
    runs.push(run);
    if (!run.ok) break;
    pos = run.end;
  }
  return { runs, hooks };
}

/** True when `bytes` are exactly one or more complete, well-formed pickles. */
export function isCompletePickleStream(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const { runs, hooks } = probe(bytes, 1024);
  const last = runs[runs.length - 1];
  const malformed = hooks.issues.some((c) => c !== 'PICKLE_STACK_NOT_EMPTY' && c !== 'PICKLE_MISPLACED_PROTO');
  return last !== undefined && last.ok && last.end === bytes.length && !malformed && !hooks.badNames;
}
