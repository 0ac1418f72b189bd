import { OPCODE_NAMES } from './opcodes.js';
import { probe } from './probe.js';

/** Opcodes a protocol 0/1 pickle of a container, instance or global starts with. */
const STRUCTURAL_FIRST = new Set([0x28, 0x63, 0x69, 0x5d, 0x7d, 0x29]); // ( c i ] } )

/**
 * Content sniffing for dispatch. Protocol 2+: PROTO 0-5 then a valid opcode. Protocol 0/1 (no header):
 * the head must execute as pickle opcodes with well-formed arguments, no stack misuse and valid import
 * names, and either reach STOP or run at least a few opcodes from a structural start. Plain text
 * (Markdown, JSON, CSV, YAML, source code) fails within its first bytes.
 */
export function looksLikePickle(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if (head[0] === 0x80) {
    if (head.length < 2 || head[1]! > 5) return false;
    return head.length === 2 || OPCODE_NAMES[head[2]!] !== undefined;
  }
  if (OPCODE_NAMES[head[0]!] === undefined) return false;
  const { runs, hooks } = probe(head, 1, 100_000);
  const run = runs[0];
  if (!run || hooks.badNames) return false;
  const fatal = hooks.issues.filter((c) => c !== 'PICKLE_TRUNCATED' && c !== 'PICKLE_STACK_NOT_EMPTY' && c !== 'PICKLE_MEMO_MISSING');
  if (fatal.length > 0) return false;
  if (run.ok) return run.ops >= 2;
  return run.stoppedBy === 'PICKLE_TRUNCATED' && STRUCTURAL_FIRST.has(head[0]!) && run.ops >= 3;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** True when the stream begins with a pickle of torch's legacy magic number (any protocol, no imports). */
export function isTorchLegacyMagic(head: Uint8Array): boolean {
  if (head.length < 3) return false;
  const { runs, hooks } = probe(head.subarray(0, Math.min(head.length, 4096)), 1, 64);
  const run = runs[0];
  return run !== undefined && run.ok && run.result === LEGACY_MAGIC && hooks.imports === 0;
}
