import type { PickleCode } from './codes.js';
import { Memo } from './memo.js';
import { HIGHEST_PROTOCOL, OP, opcodeName } from './opcodes.js';
import {
  decodeUtf8,
  latin1,
  parseFloatArg,
  parseIntArg,
  parseLongArg,
  parseMemoArg,
  parseRawUnicodeEscape,
  parseStringArg,
} from './text-args.js';
import {
  EMPTY_TUPLE,
  PBytes,
  PCall,
  PDict,
  PFloat,
  PGlobal,
  PList,
  PPersistent,
  PSet,
  PTuple,
  PUnknown,
  describeValue,
  type Value,
} from './values.js';

/** What BUILD must do next in the byte stream (joblib writes array data right after some BUILDs). */
export type BuildAction = { arrayBytes: number; alignmentByte: boolean } | { inlinePickle: true } | { stop: true };

export type MutationOp = 'APPEND' | 'APPENDS' | 'SETITEM' | 'SETITEMS' | 'ADDITEMS';

/** Callbacks through which the machine reports what the stream does; the analyser implements them. */
export interface MachineHooks {
  global(module: string, name: string, via: 'GLOBAL' | 'INST', offset: number): PGlobal;
  stackGlobal(module: Value, name: Value, offset: number): PGlobal;
  ext(code: number, via: 'EXT1' | 'EXT2' | 'EXT4', offset: number): PGlobal;
  call(call: PCall): void;
  build(target: Value, state: Value, offset: number, inFrame: boolean): BuildAction | undefined;
  /** APPEND/SETITEM/ADDITEMS on something that is not the matching builtin container. */
  mutate(op: MutationOp, target: Value, items: Value[], offset: number): void;
  persistentId(pid: Value, offset: number): void;
  /** Long string/bytes literals whose first byte could start an embedded pickle (raw, base64 or hex). */
  literal(value: string | PBytes, offset: number): void;
  issue(code: PickleCode, message: string, evidence?: Record<string, unknown>): void;
  /** An inline pickle (joblib object array) finished at `end`. */
  inlinePickle?(start: number, end: number, ops: number): void;
}

export interface MachineLimits {
  maxOps: number;
  maxStack: number;
  maxMemo: number;
  /** Depth of inline pickles (joblib object arrays inside joblib object arrays). */
  maxInlineDepth: number;
}

export interface PickleRun {
  ok: boolean;
  start: number;
  /** Offset after STOP, or of the opcode that stopped the analysis. */
  end: number;
  result: Value | undefined;
  protocol: number;
  ops: number;
  memo: Memo;
  /** Code of the issue that stopped the run, when not ok. */
  stoppedBy: PickleCode | undefined;
}

class Halt {
  constructor(
    readonly code: PickleCode,
    readonly message: string,
    readonly evidence: Record<string, unknown> = {},
  ) {}
}

const MAX_DECODED_LONG_BYTES = 4096;

function decodeLong(bytes: Uint8Array, at: number, n: number): Value {
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
    if (bytes[at + n - 1]! & 0x80) v -= 2 ** (8 * n);
    return v;
  }
  if (n > MAX_DECODED_LONG_BYTES) return new PUnknown(`${n}-byte integer`);
  let hex = '';
  for (let i = n - 1; i >= 0; i--) hex += bytes[at + i]!.toString(16).padStart(2, '0');
  let v = BigInt(`0x${hex}`);
  if (bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  return Number.isSafeInteger(Number(v)) && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function intValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * A symbolic pickle machine: executes opcodes on symbolic values, never Python objects.
 * Stack, MARK fence, memo and FRAME rules follow CPython's C unpickler (_pickle.c); where the
 * pure-Python unpickler is stricter (frames), the difference is reported as a finding.
 */
export class PickleMachine {
  private readonly view: DataView;
  /** Memo of the previous pickle of the stream, consulted (with a finding) for keys this one lacks. */
  previousMemo: Memo | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: MachineHooks,
    private readonly limits: MachineLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(start: number, inlineDepth = 0): PickleRun {
    const bytes = this.bytes;
    const view = this.view;
    const hooks = this.hooks;
    const len = bytes.length;
    const maxOps = this.limits.maxOps;
    const maxStack = this.limits.maxStack;
    const maxMemo = this.limits.maxMemo;
    const stack: Value[] = [];
    const marks: number[] = [];
    const memo = new Memo();
    let fence = 0;
    let pos = start;
    let opOffset = start;
    let ops = 0;
    let protocol = 0;
    let frameEnd = -1;
    let frameIssue = false;

    const halt = (code: PickleCode, message: string, evidence: Record<string, unknown> = {}): never => {
      throw new Halt(code, message, { offset: opOffset, ...evidence });
    };
    const frameCheck = (n: number, readEnd: number): void => {
      if (pos === frameEnd) {
        frameEnd = -1; // frame exhausted: the next read comes from the stream itself
      } else if (readEnd > frameEnd) {
        if (!frameIssue) {
          frameIssue = true;
          hooks.issue('PICKLE_FRAME_ERROR', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} reads past the end of its FRAME (offset ${frameEnd}); pickle.py refuses this, _pickle.c does not`, {
            offset: opOffset,
            frameEnd,
            read: n,
          });
        }
        frameEnd = -1;
      }
    };
    const take = (n: number): number => {
      const at = pos;
      if (frameEnd >= 0) frameCheck(n, at + n);
      if (n > len - at) halt('PICKLE_TRUNCATED', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} needs ${n} bytes; the stream ends first`);
      pos = at + n;
      return at;
    };
    const takeLength = (n: number | bigint): number => {
      if (typeof n === 'bigint' ? n > BigInt(len - pos) : n > len - pos) {
        halt('PICKLE_TRUNCATED', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} declares ${n} bytes; only ${len - pos} remain`);
      }
      return take(Number(n));
    };
    const readline = (): Uint8Array => {
      const nl = bytes.indexOf(0x0a, pos);
      if (nl < 0) halt('PICKLE_TRUNCATED', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} has no terminating newline`);
      if (frameEnd >= 0) frameCheck(nl + 1 - pos, nl + 1);
      const line = bytes.subarray(pos, nl);
      pos = nl + 1;
      return line;
    };
    const badArg = (what: string): never => halt('PICKLE_BAD_ARGUMENT', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset}: ${what}`);
    const pop = (): Value => {
      if (stack.length <= fence) underflow();
      return stack.pop()!;
    };
    const top = (): Value => {
      if (stack.length <= fence) underflow();
      return stack[stack.length - 1]!;
    };
    const underflow = (): never =>
      halt('PICKLE_STACK_UNDERFLOW', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} needs a stack item above the last MARK; there is none`);
    const popMark = (): Value[] => {
      if (marks.length === 0) halt('PICKLE_MARK_ERROR', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} needs a MARK; there is none`);
      const mark = marks.pop()!;
      fence = marks.length > 0 ? marks[marks.length - 1]! : 0;
      return stack.splice(mark);
    };
    const memoKey = (value: bigint | undefined): number => {
      if (value === undefined) return badArg('memo key is not an integer');
      if (value < 0n) return badArg(`negative memo key ${value}`);
      if (value > 0xffffffffn) return badArg(`memo key ${value} is too large`);
      return Number(value);
    };
    const memoGet = (key: number): Value => {
      const value = memo.get(key);
      if (value !== undefined) return value;
      const earlier = this.previousMemo?.get(key);
      hooks.issue('PICKLE_MEMO_MISSING', `${opcodeName(bytes[opOffset]!)} at offset ${opOffset} reads memo key ${key}, which this pickle never stored${earlier !== undefined ? ' (a loader that keeps its memo across pickles would use the previous pickle\'s value)' : ''}`, {
        offset: opOffset,
        key,
      });
      return earlier ?? new PUnknown(`missing memo key ${key}`);
    };
    const memoPut = (key: number, value: Value): void => {
      memo.set(key, value);
      if (memo.size > maxMemo) halt('PICKLE_LIMIT_EXCEEDED', `memo holds more than ${maxMemo} entries`, { limit: 'memo' });
    };
    const noteString = (s: string, at: number): void => {
      const c = s.charCodeAt(0);
      if (c === 0x67 || c === 0x38 || c === 0x80) hooks.literal(s, at); // 'g' (base64 of \x80), '8' (hex), raw
    };
    const pushBytes = (at: number, n: number, mutable: boolean): void => {
      const value = new PBytes(bytes.subarray(at, at + n), at, mutable);
      if (n >= 8 && bytes[at] === 0x80) hooks.literal(value, at);
      stack.push(value);
    };
    const pushText = (s: string, at: number): void => {
      if (s.length >= 16) noteString(s, at);
      stack.push(s);
    };
    const append = (op: MutationOp, items: Value[]): void => {
      if (items.length === 0) return; // CPython returns before looking at the target
      const target = top();
      if (target instanceof PList) {
        for (const item of items) target.items.push(item);
      } else {
        hooks.mutate(op, target, items, opOffset);
      }
    };
    const setItems = (op: MutationOp, items: Value[]): void => {
      if (items.length === 0) return;
      if (items.length % 2 !== 0) badArg(`odd number of items (${items.length})`);
      const target = top();
      if (target instanceof PDict) {
        for (let i = 0; i < items.length; i += 2) target.entries.push([items[i]!, items[i + 1]!]);
      } else {
        hooks.mutate(op, target, items, opOffset);
      }
    };

    try {
      for (;;) {
        opOffset = pos;
        if (frameEnd >= 0) frameCheck(1, pos + 1);
        if (pos >= len) {
          halt('PICKLE_TRUNCATED', ops === 0 ? `no pickle at offset ${pos}` : `pickle starting at offset ${start} ends at offset ${pos} without STOP`);
        }
        const op = bytes[pos++]!;
        if (++ops > maxOps) halt('PICKLE_LIMIT_EXCEEDED', `more than ${maxOps} opcodes in one pickle`, { limit: 'opcodes' });
        if (stack.length > maxStack) halt('PICKLE_LIMIT_EXCEEDED', `stack deeper than ${maxStack} items`, { limit: 'stack' });
        switch (op) {
          case OP.BINPUT:
            memoPut(bytes[take(1)]!, top());
            break;
          case OP.BINGET:
            stack.push(memoGet(bytes[take(1)]!));
            break;
          case OP.MEMOIZE:
            memoPut(memo.size, top());
            break;
          case OP.LONG_BINPUT:
            memoPut(view.getUint32(take(4), true), top());
            break;
          case OP.LONG_BINGET:
            stack.push(memoGet(view.getUint32(take(4), true)));
            break;
          case OP.PUT:
            memoPut(memoKey(parseMemoArg(readline())), top());
            break;
          case OP.GET: {
            const key = parseMemoArg(readline());
            if (key === undefined) badArg('memo key is not an integer');
            stack.push(key! < 0n || key! > 0xffffffffn ? memoGet(-1) : memoGet(Number(key)));
            break;
          }
          case OP.MARK:
            marks.push(stack.length);
            fence = stack.length;
            if (marks.length > maxStack) halt('PICKLE_LIMIT_EXCEEDED', `more than ${maxStack} open MARKs`, { limit: 'stack' });
            break;
          case OP.BININT1:
            stack.push(bytes[take(1)]!);
            break;
          case OP.BININT2:
            stack.push(view.getUint16(take(2), true));
            break;
          case OP.BININT:
            stack.push(view.getInt32(take(4), true));
            break;
          case OP.LONG1: {
            const n = bytes[take(1)]!;
            stack.push(decodeLong(bytes, take(n), n));
            break;
          }
          case OP.LONG4: {
            const n = view.getInt32(take(4), true);
            if (n < 0) badArg(`negative byte count ${n}`);
            stack.push(decodeLong(bytes, takeLength(n), n));
            break;
          }
          case OP.BINFLOAT:
            stack.push(new PFloat(view.getFloat64(take(8), false)));
            break;
          case OP.NONE:
            stack.push(null);
            break;
          case OP.NEWTRUE:
            stack.push(true);
            break;
          case OP.NEWFALSE:
            stack.push(false);
            break;
          case OP.SHORT_BINUNICODE: {
            const n = bytes[take(1)]!;
            const at = take(n);
            const s = decodeUtf8(bytes, at, at + n);
            if (s === undefined) badArg('invalid UTF-8');
            pushText(s!, at);
            break;
          }
          case OP.BINUNICODE: {
            const n = view.getUint32(take(4), true);
            const at = takeLength(n);
            const s = decodeUtf8(bytes, at, at + n);
            if (s === undefined) badArg('invalid UTF-8');
            pushText(s!, at);
            break;
          }
          case OP.BINUNICODE8: {
            const n = view.getBigUint64(take(8), true);
            const at = takeLength(n);
            const s = decodeUtf8(bytes, at, at + Number(n));
            if (s === undefined) badArg('invalid UTF-8');
            pushText(s!, at);
            break;
          }
          case OP.SHORT_BINSTRING: {
            const n = bytes[take(1)]!;
            const at = take(n);
            pushText(latin1(bytes, at, at + n), at);
            break;
          }
          case OP.BINSTRING: {
            const n = view.getInt32(take(4), true);
            if (n < 0) badArg(`negative byte count ${n}`);
            const at = takeLength(n);
            pushText(latin1(bytes, at, at + n), at);
            break;
          }
          case OP.STRING: {
            const at = pos;
            const decoded = parseStringArg(readline());
            if (decoded === undefined) badArg('argument must be a quoted, correctly escaped string');
            pushText(latin1(decoded!), at);
            break;
          }
          case OP.UNICODE: {
            const at = pos;
            const s = parseRawUnicodeEscape(readline());
            if (s === undefined) badArg('invalid raw-unicode-escape string');
            pushText(s!, at);
            break;
          }
          case OP.SHORT_BINBYTES: {
            const n = bytes[take(1)]!;
            pushBytes(take(n), n, false);
            break;
          }
          case OP.BINBYTES: {
            const n = view.getUint32(take(4), true);
            pushBytes(takeLength(n), n, false);
            break;
          }
          case OP.BINBYTES8:
          case OP.BYTEARRAY8: {
            const n = view.getBigUint64(take(8), true);
            const at = takeLength(n);
            pushBytes(at, Number(n), op === OP.BYTEARRAY8);
            break;
          }
          case OP.INT: {
            const parsed = parseIntArg(readline());
            if (parsed === undefined) badArg('not an integer');
            stack.push(parsed!.bool ?? intValue(parsed!.value));
            break;
          }
          case OP.LONG: {
            const parsed = parseLongArg(readline());
            if (parsed === undefined) badArg('not an integer');
            stack.push(intValue(parsed!));
            break;
          }
          case OP.FLOAT: {
            const parsed = parseFloatArg(readline());
            if (parsed === undefined) badArg('not a float');
            stack.push(new PFloat(parsed!));
            break;
          }
          case OP.EMPTY_TUPLE:
            stack.push(EMPTY_TUPLE);
            break;
          case OP.TUPLE1:
            stack.push(new PTuple([pop()]));
            break;
          case OP.TUPLE2: {
            const b = pop();
            const a = pop();
            stack.push(new PTuple([a, b]));
            break;
          }
          case OP.TUPLE3: {
            const c = pop();
            const b = pop();
            const a = pop();
            stack.push(new PTuple([a, b, c]));
            break;
          }
          case OP.TUPLE:
            stack.push(new PTuple(popMark()));
            break;
          case OP.EMPTY_LIST:
            stack.push(new PList([]));
            break;
          case OP.LIST:
            stack.push(new PList(popMark()));
            break;
          case OP.EMPTY_DICT:
            stack.push(new PDict());
            break;
          case OP.DICT: {
            const items = popMark();
            if (items.length % 2 !== 0) badArg(`odd number of items (${items.length})`);
            const dict = new PDict();
            for (let i = 0; i < items.length; i += 2) dict.entries.push([items[i]!, items[i + 1]!]);
            stack.push(dict);
            break;
          }
          case OP.EMPTY_SET:
            stack.push(new PSet([], false));
            break;
          case OP.FROZENSET:
            stack.push(new PSet(popMark(), true));
            break;
          case OP.APPEND: {
            const value = pop();
            append('APPEND', [value]);
            break;
          }
          case OP.APPENDS:
            append('APPENDS', popMark());
            break;
          case OP.SETITEM: {
            const value = pop();
            const key = pop();
            setItems('SETITEM', [key, value]);
            break;
          }
          case OP.SETITEMS:
            setItems('SETITEMS', popMark());
            break;
          case OP.ADDITEMS: {
            const items = popMark();
            if (items.length === 0) break;
            const target = top();
            if (target instanceof PSet && !target.frozen) for (const item of items) target.items.push(item);
            else hooks.mutate('ADDITEMS', target, items, opOffset);
            break;
          }
          case OP.POP:
            if (marks.length > 0 && marks[marks.length - 1] === stack.length) {
              marks.pop();
              fence = marks.length > 0 ? marks[marks.length - 1]! : 0;
            } else {
              pop();
            }
            break;
          case OP.POP_MARK:
            popMark();
            break;
          case OP.DUP:
            stack.push(top());
            break;
          case OP.GLOBAL: {
            const moduleLine = readline();
            const nameLine = readline();
            const module = decodeUtf8(moduleLine, 0, moduleLine.length) ?? badArg("module name is not UTF-8");
            const name = decodeUtf8(nameLine, 0, nameLine.length) ?? badArg("global name is not UTF-8");
            stack.push(hooks.global(module, name, 'GLOBAL', opOffset));
            break;
          }
          case OP.STACK_GLOBAL: {
            const name = pop();
            const module = pop();
            stack.push(hooks.stackGlobal(module, name, opOffset));
            break;
          }
          case OP.INST: {
            const moduleLine = readline();
            const nameLine = readline();
            const ascii = (line: Uint8Array): string => (line.every((b) => b < 0x80) ? latin1(line) : badArg('INST names must be ASCII'));
            const cls = hooks.global(ascii(moduleLine), ascii(nameLine), 'INST', opOffset);
            const args = popMark();
            const call = new PCall(cls, new PTuple(args), 'INST', opOffset);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case OP.OBJ: {
            const items = popMark();
            if (items.length === 0) underflow();
            const call = new PCall(items[0]!, new PTuple(items.slice(1)), 'OBJ', opOffset);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case OP.REDUCE: {
            const args = pop();
            const callable = top();
            const call = new PCall(callable, args, 'REDUCE', opOffset);
            hooks.call(call);
            stack[stack.length - 1] = call;
            break;
          }
          case OP.NEWOBJ: {
            const args = pop();
            const cls = pop();
            const call = new PCall(cls, args, 'NEWOBJ', opOffset);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case OP.NEWOBJ_EX: {
            const kwargs = pop();
            const args = pop();
            const cls = pop();
            const call = new PCall(cls, args, 'NEWOBJ_EX', opOffset, kwargs);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case OP.BUILD: {
            const state = pop();
            const target = top();
            if (target instanceof PCall) target.state = state;
            const action = hooks.build(target, state, opOffset, frameEnd >= 0 && pos < frameEnd);
            if (action) {
              if ('stop' in action) halt('PICKLE_JOBLIB_ARRAY', `joblib array data after BUILD at offset ${opOffset} cannot be located; the rest of the stream is not analysed`);
              else if ('arrayBytes' in action) {
                // joblib reads these from the file object directly, outside any pickle frame.
                let need = action.arrayBytes;
                if (action.alignmentByte) {
                  if (pos >= len) halt('PICKLE_TRUNCATED', `joblib array after BUILD at offset ${opOffset} has no alignment byte`);
                  need += 1 + bytes[pos]!;
                }
                if (need > len - pos) {
                  halt('PICKLE_TRUNCATED', `joblib array after BUILD at offset ${opOffset} needs ${need} bytes; only ${len - pos} remain`);
                }
                pos += need;
              } else {
                if (inlineDepth >= this.limits.maxInlineDepth) halt('PICKLE_LIMIT_EXCEEDED', `joblib inline pickles nested deeper than ${this.limits.maxInlineDepth}`, { limit: 'inline depth' });
                const inner = this.run(pos, inlineDepth + 1);
                if (!inner.ok) halt(inner.stoppedBy ?? 'PICKLE_TRUNCATED', `inline pickle of the joblib object array after BUILD at offset ${opOffset} is broken`);
                hooks.inlinePickle?.(pos, inner.end, inner.ops);
                pos = inner.end;
                if (target instanceof PCall) target.note = 'joblib object array';
              }
            }
            break;
          }
          case OP.PERSID: {
            const line = readline();
            if (!line.every((b) => b < 0x80)) badArg('persistent id must be ASCII');
            const pid = latin1(line);
            hooks.persistentId(pid, opOffset);
            stack.push(new PPersistent(pid, opOffset));
            break;
          }
          case OP.BINPERSID: {
            const pid = pop();
            hooks.persistentId(pid, opOffset);
            stack.push(new PPersistent(pid, opOffset));
            break;
          }
          case OP.EXT1:
          case OP.EXT2:
          case OP.EXT4: {
            const code =
              op === OP.EXT1 ? bytes[take(1)]! : op === OP.EXT2 ? view.getUint16(take(2), true) : view.getInt32(take(4), true);
            if (code <= 0) badArg(`extension code ${code} must be positive`);
            stack.push(hooks.ext(code, op === OP.EXT1 ? 'EXT1' : op === OP.EXT2 ? 'EXT2' : 'EXT4', opOffset));
            break;
          }
          case OP.NEXT_BUFFER:
            hooks.issue('PICKLE_OUT_OF_BAND_BUFFER', `NEXT_BUFFER at offset ${opOffset} takes an out-of-band buffer the file does not contain`, { offset: opOffset });
            stack.push(new PUnknown('out-of-band buffer'));
            break;
          case OP.READONLY_BUFFER:
            top();
            break;
          case OP.FRAME: {
            const n = view.getBigUint64(take(8), true);
            if (frameEnd >= 0 && pos < frameEnd) {
              hooks.issue('PICKLE_FRAME_ERROR', `FRAME at offset ${opOffset} starts before the current frame ends (offset ${frameEnd})`, { offset: opOffset, frameEnd });
            }
            if (n > BigInt(len - pos)) halt('PICKLE_FRAME_ERROR', `FRAME at offset ${opOffset} declares ${n} bytes; only ${len - pos} remain`);
            frameEnd = pos + Number(n);
            break;
          }
          case OP.PROTO: {
            const version = bytes[take(1)]!;
            if (version > HIGHEST_PROTOCOL) halt('PICKLE_BAD_PROTOCOL', `unsupported pickle protocol ${version}`, { protocol: version });
            if (ops > 1) hooks.issue('PICKLE_MISPLACED_PROTO', `PROTO ${version} at offset ${opOffset} is not the first opcode`, { offset: opOffset, protocol: version });
            protocol = version;
            break;
          }
          case OP.STOP: {
            const result = pop();
            if (stack.length > 0 || marks.length > 0) {
              hooks.issue('PICKLE_STACK_NOT_EMPTY', `${stack.length} value(s) and ${marks.length} MARK(s) left on the stack at STOP (offset ${opOffset}): ${stack.slice(0, 3).map(describeValue).join(', ')}`, {
                offset: opOffset,
                values: stack.length,
                marks: marks.length,
              });
            }
            return { ok: true, start, end: pos, result, protocol, ops, memo, stoppedBy: undefined };
          }
          default:
            halt('PICKLE_UNKNOWN_OPCODE', `byte 0x${op.toString(16).padStart(2, '0')} at offset ${opOffset} is not a pickle opcode`, { byte: op });
        }
      }
    } catch (error) {
      if (!(error instanceof Halt)) throw error;
      hooks.issue(error.code, error.message, error.evidence);
      return { ok: false, start, end: opOffset, result: undefined, protocol, ops, memo, stoppedBy: error.code };
    }
  }
}
