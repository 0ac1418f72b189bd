import type { CodeTable } from '../../core/finding.js';

/** Finding codes of the pickle analyser (documented in docs/findings/pickle.md). */
export const PICKLE_CODES = {
  PICKLE_DENIED_GLOBAL: { severity: 'critical', title: 'Pickle imports a callable or module known to run code, spawn processes or touch files/network' },
  PICKLE_UNKNOWN_GLOBAL: { severity: 'medium', title: 'Pickle imports a global that is not on the allowlist (loading imports and may run its code)' },
  PICKLE_NONLITERAL_GLOBAL: { severity: 'critical', title: 'STACK_GLOBAL module or name is computed at load time, not a literal string' },
  PICKLE_NONLITERAL_CALLABLE: { severity: 'critical', title: 'Pickle calls something that is not a plain imported global' },
  PICKLE_EXT_OPCODE: { severity: 'critical', title: 'EXT1/EXT2/EXT4 imports a callable through the copyreg extension registry' },
  PICKLE_BUILD_ON_GLOBAL: { severity: 'critical', title: 'BUILD sets attributes on a module, class or function' },
  PICKLE_GLOBAL_MUTATION: { severity: 'critical', title: 'APPEND/SETITEM/ADDITEMS calls a method of a module, class or function' },
  PICKLE_FORGED_DTYPE: { severity: 'critical', title: 'numpy dtype state marks an object dtype as holding no objects (raw bytes read as pointers)' },
  PICKLE_DUNDER_STATE: { severity: 'high', title: 'BUILD state sets a dunder attribute (class or dict swap)' },
  PICKLE_NESTED_LOADER: { severity: 'critical', title: 'A nested loader is called with data that cannot be scanned' },
  PICKLE_NESTED_PICKLE: { severity: 'info', title: 'Bytes passed to a nested loader were scanned as a nested payload' },
  PICKLE_EMBEDDED_PICKLE: { severity: 'medium', title: 'A literal string or bytes value holds another pickle (raw, base64 or hex); scanned as a nested payload' },
  PICKLE_TOO_MANY_NESTED: { severity: 'high', title: 'More nested payloads than the analyser scans', incomplete: true },
  PICKLE_OUT_OF_BAND_BUFFER: { severity: 'high', title: 'NEXT_BUFFER refers to out-of-band data that is not in the file', incomplete: true },
  PICKLE_EXPANSION_BOMB: { severity: 'medium', title: 'Shared references expand the result to an enormous object graph (memo/DUP bomb)' },
  PICKLE_UNKNOWN_OPCODE: { severity: 'high', title: 'Byte is not a pickle opcode', incomplete: true },
  PICKLE_TRUNCATED: { severity: 'high', title: 'Pickle ends before an opcode argument or STOP', incomplete: true },
  PICKLE_BAD_ARGUMENT: { severity: 'high', title: 'Opcode argument is malformed (CPython would refuse it)', incomplete: true },
  PICKLE_STACK_UNDERFLOW: { severity: 'high', title: 'Opcode needs more stack items than there are above the last MARK', incomplete: true },
  PICKLE_MARK_ERROR: { severity: 'high', title: 'Opcode needs a MARK and there is none', incomplete: true },
  PICKLE_MEMO_MISSING: { severity: 'high', title: 'GET of a memo key that was never PUT', incomplete: true },
  PICKLE_TYPE_ERROR: { severity: 'high', title: 'Opcode applied to an operand of the wrong type (CPython would fail, or a type-confusion trick)', incomplete: true },
  PICKLE_FRAME_ERROR: { severity: 'high', title: 'FRAME bounds are violated (opcode straddles a frame end, nested or oversized frame)', incomplete: true },
  PICKLE_BAD_PROTOCOL: { severity: 'high', title: 'PROTO declares a protocol CPython does not support', incomplete: true },
  PICKLE_MISPLACED_PROTO: { severity: 'low', title: 'PROTO appears after the first opcode or repeats' },
  PICKLE_STACK_NOT_EMPTY: { severity: 'low', title: 'Values were left on the stack at STOP (discarded objects)' },
  PICKLE_JOBLIB_ARRAY: { severity: 'high', title: 'joblib inline array data cannot be located (unknown dtype, shape or size)', incomplete: true },
  PICKLE_LIMIT_EXCEEDED: { severity: 'high', title: 'Pickle exceeds an analysis limit (opcodes, stack, memo, pickles); not fully analysed', incomplete: true },
  PICKLE_TRAILING_DATA: { severity: 'high', title: 'Bytes after the last pickle are not a pickle', incomplete: true },
  PICKLE_TOO_LARGE: { severity: 'high', title: 'Pickle stream is larger than the analysis limit; not analysed', incomplete: true },
  PICKLE_EMPTY_STREAM: { severity: 'high', title: 'No pickle at the given offset', incomplete: true },
} as const satisfies CodeTable;

export type PickleCode = keyof typeof PICKLE_CODES;
