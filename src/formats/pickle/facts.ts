/**
 * Plain data the pickle analyser reports. Other parsers (torch archives, joblib, numpy) read these.
 * Values decoded from the stream are converted to `PlainValue` (JSON-safe).
 */
export type PlainValue =
  | null
  | boolean
  | number
  | string
  | PlainValue[]
  | { bigint: string }
  | { bytes: number; sha256?: string }
  | { global: string }
  | { call: string; args?: PlainValue; state?: PlainValue; items?: PlainValue[]; dict?: Array<[PlainValue, PlainValue]> }
  | { dict: Array<[PlainValue, PlainValue]> }
  | { unknown: string };

export interface PickleImport {
  module: string;
  name: string;
  /** Opcode that produced it: GLOBAL, STACK_GLOBAL, INST, EXT1/2/4. */
  via: string;
  offset: number;
  /** 'allowed' (on the allowlist), 'denied' (denylist), 'unknown' (neither). */
  verdict: 'allowed' | 'denied' | 'unknown';
}

export interface PickleCall {
  /** REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, INST, OBJ, EXT */
  opcode: string;
  /** "module.name" of the callable when known, else a description ("<non-literal>"). */
  target: string;
  offset: number;
}

export interface PickleFacts {
  /** One entry per pickle found in the stream (a file may hold several). */
  pickles: Array<{ start: number; end: number; protocol: number; opcodes: number }>;
  imports: PickleImport[];
  calls: PickleCall[];
  /** Operands of PERSID/BINPERSID, in order (torch storages: ['storage', {global}, key, location, numel]). */
  persistentIds: PlainValue[];
  /** Byte offset where analysis stopped (end of last pickle, or the error offset). */
  end: number;
  /** Top-level result of each pickle in `pickles`, as plain data (bounded: large parts become {unknown: 'truncated'}). */
  results?: PlainValue[];
  /** Number of calls in the stream; `calls` keeps the first ones only. */
  callCount?: number;
  /** joblib arrays whose data is written inline after their NumpyArrayWrapper (skipped, or an inline pickle). */
  joblibArrays?: Array<{ offset: number; bytes: number; dtype: string; shape: number[]; inlinePickle: boolean }>;
}
