import type { PickleCode } from './codes.js';
import { Frames, Halt, halt } from './frames.js';
import { decodeLong, intValue } from './ints.js';
import { Memo } from './memo.js';
import { HIGHEST_PROTOCOL, OP, opcodeName } from './opcodes.js';
import { StringTable } from './strings.js';
import { SmallTuples } from './tuples.js';
import { latin1, parseFloatArg, parseIntArg, parseLongArg, parseMemoArg, parseRawUnicodeEscape, parseStringArg } from './text-args.js';
import {
  EMPTY_TUPLE,
  makeCall,
  makePersistent,
  makeTuple,
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
  /** `inline`: inside a joblib object-array pickle, which joblib reads with a plain pickle.load. */
  build(target: Value, state: Value, offset: number, inFrame: boolean, inline: boolean): BuildAction | undefined;
  /** APPEND/SETITEM/ADDITEMS on something that is not the matching builtin container. */
  mutate(op: MutationOp, target: Value, items: Value[], offset: number): void;
  persistentId(pid: Value, offset: number): void;
  /** Long string/bytes literals whose first byte could start an embedded pickle (raw, base64 or hex). */
  literal(value: string | PBytes, offset: number): void;
  issue(code: PickleCode, message: string, evidence?: Record<string, unknown>): void;
  /** The issue that stopped a run (default: `issue`). */
  stopped?(code: PickleCode, message: string, evidence?: Record<string, unknown>): void;
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

const lastMark = (marks: number[]): number => (marks.length > 0 ? marks[marks.length - 1]! : 0);

/**
 * A symbolic pickle machine: executes opcodes on symbolic values, never Python objects.
 * Stack, MARK fence, memo and FRAME rules follow CPython's C unpickler (_pickle.c); where the
 * pure-Python unpickler is stricter (frames), the difference is reported as a finding.
 * The loop keeps its state in locals and reads unchecked up to `bound`; every check, message and
 * frame rule lives on the slow path (frames.ts and the private methods below).
 */
export class PickleMachine {
  private readonly view: DataView;
  private readonly strings: StringTable;
  private readonly tuples = new SmallTuples();
  private readonly issue: (code: PickleCode, message: string, evidence?: Record<string, unknown>) => void;
  /** Memo of the previous pickle of the stream, consulted (with a finding) for keys this one lacks. */
  previousMemo: Memo | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: MachineHooks,
    private readonly limits: MachineLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.strings = new StringTable(bytes);
    this.issue = (code, message, evidence) => hooks.issue(code, message, evidence);
  }

  run(start: number, inlineDepth = 0): PickleRun {
    const bytes = this.bytes;
    const view = this.view;
    const hooks = this.hooks;
    const strings = this.strings;
    const tuples = this.tuples;
    const len = bytes.length;
    const { maxOps, maxStack, maxMemo } = this.limits;
    const frames = new Frames(bytes, this.issue);
    const stack: Value[] = [];
    const marks: number[] = [];
    const memo = new Memo();
    let fence = 0;
    let bound = len;
    let pos = start;
    let opOffset = start;
    let ops = 0;
    let protocol = 0;

    try {
      for (;;) {
        opOffset = pos;
        if (pos >= bound) bound = frames.opcode(pos, ops, start);
        const op = bytes[pos++]!;
        if (++ops > maxOps) halt('PICKLE_LIMIT_EXCEEDED', `more than ${maxOps} opcodes in one pickle`, opOffset, { limit: 'opcodes' });
        if (stack.length > maxStack) halt('PICKLE_LIMIT_EXCEEDED', `stack deeper than ${maxStack} items`, opOffset, { limit: 'stack' });
        switch (op) {
          case 0x71: // BINPUT
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            this.memoPut(memo, bytes[pos++]!, stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset), maxMemo, opOffset);
            break;
          case 0x68: // BINGET
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            stack.push(this.memoGet(memo, bytes[pos++]!, opOffset));
            break;
          case 0x94: // MEMOIZE
            this.memoPut(memo, memo.size, stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset), maxMemo, opOffset);
            break;
          case 0x72: // LONG_BINPUT
            if (pos + 4 > bound) bound = frames.take(pos, 4, opOffset);
            pos += 4;
            this.memoPut(memo, view.getUint32(pos - 4, true), stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset), maxMemo, opOffset);
            break;
          case 0x6a: // LONG_BINGET
            if (pos + 4 > bound) bound = frames.take(pos, 4, opOffset);
            pos += 4;
            stack.push(this.memoGet(memo, view.getUint32(pos - 4, true), opOffset));
            break;
          case 0x70: { // PUT
            const nl = frames.line(pos, opOffset);
            const key = this.memoKey(parseMemoArg(bytes.subarray(pos, nl)), opOffset);
            pos = nl + 1;
            bound = frames.bound;
            this.memoPut(memo, key, stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset), maxMemo, opOffset);
            break;
          }
          case 0x67: { // GET
            const nl = frames.line(pos, opOffset);
            const key = parseMemoArg(bytes.subarray(pos, nl));
            pos = nl + 1;
            bound = frames.bound;
            if (key === undefined) this.badArg(opOffset, 'memo key is not an integer');
            stack.push(key! < 0n || key! > 0xffffffffn ? this.memoGet(memo, -1, opOffset) : this.memoGet(memo, Number(key), opOffset));
            break;
          }
          case 0x28: // MARK
            marks.push(stack.length);
            fence = stack.length;
            if (marks.length > maxStack) halt('PICKLE_LIMIT_EXCEEDED', `more than ${maxStack} open MARKs`, opOffset, { limit: 'stack' });
            break;
          case 0x4b: // BININT1
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            stack.push(bytes[pos++]!);
            break;
          case 0x4d: // BININT2
            if (pos + 2 > bound) bound = frames.take(pos, 2, opOffset);
            stack.push(bytes[pos]! | (bytes[pos + 1]! << 8));
            pos += 2;
            break;
          case 0x4a: // BININT
            if (pos + 4 > bound) bound = frames.take(pos, 4, opOffset);
            stack.push(view.getInt32(pos, true));
            pos += 4;
            break;
          case 0x8a: { // LONG1
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            const n = bytes[pos++]!;
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            stack.push(decodeLong(bytes, pos, n));
            pos += n;
            break;
          }
          case 0x8b: { // LONG4
            if (pos + 4 > bound) bound = frames.take(pos, 4, opOffset);
            const n = view.getInt32(pos, true);
            pos += 4;
            if (n < 0) this.badArg(opOffset, `negative byte count ${n}`);
            if (n > len - pos) frames.length(pos, n, opOffset);
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            stack.push(decodeLong(bytes, pos, n));
            pos += n;
            break;
          }
          case 0x47: // BINFLOAT
            if (pos + 8 > bound) bound = frames.take(pos, 8, opOffset);
            stack.push(new PFloat(view.getFloat64(pos, false)));
            pos += 8;
            break;
          case 0x4e: // NONE
            stack.push(null);
            break;
          case 0x88: // NEWTRUE
            stack.push(true);
            break;
          case 0x89: // NEWFALSE
            stack.push(false);
            break;
          case 0x8c: { // SHORT_BINUNICODE
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            const n = bytes[pos++]!;
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            const at = pos;
            pos += n;
            const s = strings.utf8(at, n);
            if (s === undefined) this.badArg(opOffset, 'invalid UTF-8');
            if (s!.length >= 16) this.noteString(s!, at);
            stack.push(s!);
            break;
          }
          case 0x58: // BINUNICODE
          case 0x8d: { // BINUNICODE8
            const wide = op === OP.BINUNICODE8;
            if (pos + (wide ? 8 : 4) > bound) bound = frames.take(pos, wide ? 8 : 4, opOffset);
            const declared = wide ? view.getBigUint64(pos, true) : view.getUint32(pos, true);
            pos += wide ? 8 : 4;
            const n = frames.length(pos, declared, opOffset);
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            const at = pos;
            pos += n;
            const s = strings.utf8(at, n);
            if (s === undefined) this.badArg(opOffset, 'invalid UTF-8');
            this.pushText(stack, s!, at);
            break;
          }
          case 0x55: { // SHORT_BINSTRING
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            const n = bytes[pos++]!;
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            const at = pos;
            pos += n;
            this.pushText(stack, strings.latin1(at, n), at);
            break;
          }
          case 0x54: { // BINSTRING
            if (pos + 4 > bound) bound = frames.take(pos, 4, opOffset);
            const n = view.getInt32(pos, true);
            pos += 4;
            if (n < 0) this.badArg(opOffset, `negative byte count ${n}`);
            if (n > len - pos) frames.length(pos, n, opOffset);
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            const at = pos;
            pos += n;
            this.pushText(stack, strings.latin1(at, n), at);
            break;
          }
          case 0x53: { // STRING
            const at = pos;
            const nl = frames.line(pos, opOffset);
            pos = nl + 1;
            bound = frames.bound;
            const decoded = parseStringArg(bytes.subarray(at, nl));
            if (decoded === undefined) this.badArg(opOffset, 'argument must be a quoted, correctly escaped string');
            this.pushText(stack, latin1(decoded!), at);
            break;
          }
          case 0x56: { // UNICODE
            const at = pos;
            const nl = frames.line(pos, opOffset);
            pos = nl + 1;
            bound = frames.bound;
            const s = parseRawUnicodeEscape(bytes.subarray(at, nl));
            if (s === undefined) this.badArg(opOffset, 'invalid raw-unicode-escape string');
            this.pushText(stack, s!, at);
            break;
          }
          case 0x43: { // SHORT_BINBYTES
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            const n = bytes[pos++]!;
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            stack.push(this.bytesValue(pos, n, false));
            pos += n;
            break;
          }
          case 0x42: { // BINBYTES
            if (pos + 4 > bound) bound = frames.take(pos, 4, opOffset);
            const n = view.getUint32(pos, true);
            pos += 4;
            if (n > len - pos) frames.length(pos, n, opOffset);
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            stack.push(this.bytesValue(pos, n, false));
            pos += n;
            break;
          }
          case 0x8e: // BINBYTES8
          case 0x96: { // BYTEARRAY8
            if (pos + 8 > bound) bound = frames.take(pos, 8, opOffset);
            const declared = view.getBigUint64(pos, true);
            pos += 8;
            const n = frames.length(pos, declared, opOffset);
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            stack.push(this.bytesValue(pos, n, op === OP.BYTEARRAY8));
            pos += n;
            break;
          }
          case 0x49: // INT
          case 0x4c: // LONG
          case 0x46: { // FLOAT
            const nl = frames.line(pos, opOffset);
            const line = bytes.subarray(pos, nl);
            pos = nl + 1;
            bound = frames.bound;
            stack.push(this.textNumber(op, line, opOffset));
            break;
          }
          case 0x29: // EMPTY_TUPLE
            stack.push(EMPTY_TUPLE);
            break;
          case 0x85: // TUPLE1
            stack.push(tuples.one(stack.length > fence ? stack.pop()! : this.underflow(opOffset)));
            break;
          case 0x86: { // TUPLE2
            const b = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const a = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            stack.push(tuples.two(a, b));
            break;
          }
          case 0x87: { // TUPLE3
            const c = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const b = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const a = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            stack.push(tuples.three(a, b, c));
            break;
          }
          case 0x74: { // TUPLE
            const items = this.popTupleItems(stack, marks, opOffset);
            fence = lastMark(marks);
            stack.push(makeTuple(items));
            break;
          }
          case 0x5d: // EMPTY_LIST
            stack.push(new PList([]));
            break;
          case 0x6c: { // LIST
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            stack.push(new PList(items));
            break;
          }
          case 0x7d: // EMPTY_DICT
            stack.push(new PDict());
            break;
          case 0x64: { // DICT
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            if (items.length % 2 !== 0) this.badArg(opOffset, `odd number of items (${items.length})`);
            const dict = new PDict();
            for (let i = 0; i < items.length; i++) dict.kv.push(items[i]!);
            stack.push(dict);
            break;
          }
          case 0x8f: // EMPTY_SET
            stack.push(new PSet([], false));
            break;
          case 0x91: { // FROZENSET
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            stack.push(new PSet(items, true));
            break;
          }
          case 0x61: { // APPEND
            const value = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const target = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            if (target instanceof PList) target.items.push(value);
            else hooks.mutate('APPEND', target, [value], opOffset);
            break;
          }
          case 0x65: { // APPENDS
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            if (items.length === 0) break; // CPython returns before looking at the target
            const target = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            if (target instanceof PList) for (let i = 0; i < items.length; i++) target.items.push(items[i]!);
            else hooks.mutate('APPENDS', target, items, opOffset);
            break;
          }
          case 0x73: { // SETITEM
            const value = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const key = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const target = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            if (target instanceof PDict) target.kv.push(key, value);
            else hooks.mutate('SETITEM', target, [key, value], opOffset);
            break;
          }
          case 0x75: { // SETITEMS
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            if (items.length === 0) break;
            if (items.length % 2 !== 0) this.badArg(opOffset, `odd number of items (${items.length})`);
            const target = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            if (target instanceof PDict) for (let i = 0; i < items.length; i++) target.kv.push(items[i]!);
            else hooks.mutate('SETITEMS', target, items, opOffset);
            break;
          }
          case 0x90: { // ADDITEMS
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            if (items.length === 0) break;
            const target = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            if (target instanceof PSet && !target.frozen) for (const item of items) target.items.push(item);
            else hooks.mutate('ADDITEMS', target, items, opOffset);
            break;
          }
          case 0x30: // POP
            if (marks.length > 0 && marks[marks.length - 1] === stack.length) {
              marks.pop();
              fence = lastMark(marks);
            } else if (stack.length > fence) {
              stack.pop();
            } else {
              this.underflow(opOffset);
            }
            break;
          case 0x31: // POP_MARK
            this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            break;
          case 0x32: // DUP
            stack.push(stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset));
            break;
          case 0x63: { // GLOBAL
            const moduleAt = pos;
            const moduleEnd = frames.line(pos, opOffset);
            pos = moduleEnd + 1;
            const nameEnd = frames.line(pos, opOffset);
            const nameAt = pos;
            pos = nameEnd + 1;
            bound = frames.bound;
            const module = strings.utf8(moduleAt, moduleEnd - moduleAt) ?? this.badArg(opOffset, 'module name is not UTF-8');
            const name = strings.utf8(nameAt, nameEnd - nameAt) ?? this.badArg(opOffset, 'global name is not UTF-8');
            stack.push(hooks.global(module, name, 'GLOBAL', opOffset));
            break;
          }
          case 0x93: { // STACK_GLOBAL
            const name = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const module = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            stack.push(hooks.stackGlobal(module, name, opOffset));
            break;
          }
          case 0x69: { // INST
            const moduleAt = pos;
            const moduleEnd = frames.line(pos, opOffset);
            pos = moduleEnd + 1;
            const nameEnd = frames.line(pos, opOffset);
            const nameAt = pos;
            pos = nameEnd + 1;
            bound = frames.bound;
            const cls = hooks.global(this.ascii(moduleAt, moduleEnd, opOffset, 'INST names must be ASCII'), this.ascii(nameAt, nameEnd, opOffset, 'INST names must be ASCII'), 'INST', opOffset);
            const args = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            const call = makeCall(cls, makeTuple(args), 'INST', opOffset);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case 0x6f: { // OBJ
            const items = this.popMark(stack, marks, opOffset);
            fence = lastMark(marks);
            if (items.length === 0) this.underflow(opOffset);
            const call = makeCall(items[0]!, makeTuple(items.slice(1)), 'OBJ', opOffset);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case 0x52: { // REDUCE
            const args = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const callable = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            const call = makeCall(callable, args, 'REDUCE', opOffset);
            hooks.call(call);
            stack[stack.length - 1] = call;
            break;
          }
          case 0x81: { // NEWOBJ
            const args = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const cls = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const call = makeCall(cls, args, 'NEWOBJ', opOffset);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case 0x92: { // NEWOBJ_EX
            const kwargs = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const args = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const cls = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const call = makeCall(cls, args, 'NEWOBJ_EX', opOffset, kwargs);
            hooks.call(call);
            stack.push(call);
            break;
          }
          case 0x62: { // BUILD
            const state = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            const target = stack.length > fence ? stack[stack.length - 1]! : this.underflow(opOffset);
            if (target instanceof PCall) target.state = state;
            const action = hooks.build(target, state, opOffset, frames.frameEnd >= 0 && pos < frames.frameEnd, inlineDepth > 0);
            if (action) {
              pos = this.afterBuild(action, target, pos, opOffset, inlineDepth);
              // joblib replaces the wrapper on the stack by the array it read (the memo keeps the wrapper).
              if (target instanceof PCall) {
                const array = makeCall(target.callable, target.args, target.opcode, target.offset, target.kwargs);
                array.state = target.state;
                array.note = target.note ?? 'joblib array';
                stack[stack.length - 1] = array;
              }
            }
            break;
          }
          case 0x50: { // PERSID
            const nl = frames.line(pos, opOffset);
            const pid = this.ascii(pos, nl, opOffset, 'persistent id must be ASCII');
            pos = nl + 1;
            bound = frames.bound;
            hooks.persistentId(pid, opOffset);
            stack.push(makePersistent(pid, opOffset));
            break;
          }
          case 0x51: { // BINPERSID
            const pid = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
            hooks.persistentId(pid, opOffset);
            stack.push(makePersistent(pid, opOffset));
            break;
          }
          case 0x82: // EXT1
          case 0x83: // EXT2
          case 0x84: { // EXT4
            const n = op === OP.EXT1 ? 1 : op === OP.EXT2 ? 2 : 4;
            if (pos + n > bound) bound = frames.take(pos, n, opOffset);
            const code = n === 1 ? bytes[pos]! : n === 2 ? view.getUint16(pos, true) : view.getInt32(pos, true);
            pos += n;
            if (code <= 0) this.badArg(opOffset, `extension code ${code} must be positive`);
            stack.push(hooks.ext(code, n === 1 ? 'EXT1' : n === 2 ? 'EXT2' : 'EXT4', opOffset));
            break;
          }
          case 0x97: // NEXT_BUFFER
            hooks.issue('PICKLE_OUT_OF_BAND_BUFFER', `NEXT_BUFFER at offset ${opOffset} takes an out-of-band buffer the file does not contain`, { offset: opOffset });
            stack.push(new PUnknown('out-of-band buffer'));
            break;
          case 0x98: // READONLY_BUFFER
            if (stack.length <= fence) this.underflow(opOffset);
            break;
          case 0x95: { // FRAME
            if (pos + 8 > bound) bound = frames.take(pos, 8, opOffset);
            const n = view.getBigUint64(pos, true);
            pos += 8;
            if (frames.frameEnd >= 0 && pos < frames.frameEnd) {
              hooks.issue('PICKLE_FRAME_ERROR', `FRAME at offset ${opOffset} starts before the current frame ends (offset ${frames.frameEnd})`, { offset: opOffset, frameEnd: frames.frameEnd });
            }
            if (n > BigInt(len - pos)) halt('PICKLE_FRAME_ERROR', `FRAME at offset ${opOffset} declares ${n} bytes; only ${len - pos} remain`, opOffset);
            frames.setFrameEnd(pos + Number(n));
            bound = frames.bound;
            break;
          }
          case 0x80: { // PROTO
            if (pos + 1 > bound) bound = frames.take(pos, 1, opOffset);
            const version = bytes[pos++]!;
            if (version > HIGHEST_PROTOCOL) halt('PICKLE_BAD_PROTOCOL', `unsupported pickle protocol ${version}`, opOffset, { protocol: version });
            if (ops > 1) hooks.issue('PICKLE_MISPLACED_PROTO', `PROTO ${version} at offset ${opOffset} is not the first opcode`, { offset: opOffset, protocol: version });
            protocol = version;
            break;
          }
          case 0x2e: { // STOP
            const result = stack.length > fence ? stack.pop()! : this.underflow(opOffset);
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
            halt('PICKLE_UNKNOWN_OPCODE', `byte 0x${op.toString(16).padStart(2, '0')} at offset ${opOffset} is not a pickle opcode`, opOffset, { byte: op });
        }
      }
    } catch (error) {
      if (!(error instanceof Halt)) throw error;
      if (hooks.stopped) hooks.stopped(error.code, error.message, error.evidence);
      else hooks.issue(error.code, error.message, error.evidence);
      return { ok: false, start, end: opOffset, result: undefined, protocol, ops, memo, stoppedBy: error.code };
    }
  }

  /** Follows a BUILD action (joblib inline data); returns the position after it. */
  private afterBuild(action: BuildAction, target: Value, pos: number, opOffset: number, inlineDepth: number): number {
    const bytes = this.bytes;
    const len = bytes.length;
    if ('stop' in action) halt('PICKLE_JOBLIB_ARRAY', `joblib array data after BUILD at offset ${opOffset} cannot be located; the rest of the stream is not analysed`, opOffset);
    if ('arrayBytes' in action) {
      // joblib reads these from the file object directly, outside any pickle frame.
      let need = action.arrayBytes;
      if (action.alignmentByte) {
        if (pos >= len) halt('PICKLE_TRUNCATED', `joblib array after BUILD at offset ${opOffset} has no alignment byte`, opOffset);
        need += 1 + bytes[pos]!;
      }
      if (need > len - pos) halt('PICKLE_TRUNCATED', `joblib array after BUILD at offset ${opOffset} needs ${need} bytes; only ${len - pos} remain`, opOffset);
      return pos + need;
    }
    const maxInlineDepth = this.limits.maxInlineDepth;
    if (inlineDepth >= maxInlineDepth) halt('PICKLE_LIMIT_EXCEEDED', `joblib inline pickles nested deeper than ${maxInlineDepth}`, opOffset, { limit: 'inline depth' });
    const inner = this.run(pos, inlineDepth + 1);
    if (!inner.ok) halt(inner.stoppedBy ?? 'PICKLE_TRUNCATED', `inline pickle of the joblib object array after BUILD at offset ${opOffset} is broken`, opOffset);
    this.hooks.inlinePickle?.(pos, inner.end, inner.ops);
    if (target instanceof PCall) target.note = 'joblib object array';
    return inner.end;
  }

  /**
   * popMark for TUPLE: short item lists are array literals, whose allocation sites V8 can pretenure
   * (tuples live as long as the pickle); the order and contents are those of popMark.
   */
  private popTupleItems(stack: Value[], marks: number[], opOffset: number): Value[] {
    if (marks.length === 0) halt('PICKLE_MARK_ERROR', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} needs a MARK; there is none`, opOffset);
    const s = stack;
    switch (s.length - marks[marks.length - 1]!) {
      case 1: {
        marks.pop();
        return [s.pop()!];
      }
      case 2: {
        marks.pop();
        const v1 = s.pop()!;
        return [s.pop()!, v1];
      }
      case 3: {
        marks.pop();
        const v2 = s.pop()!;
        const v1 = s.pop()!;
        return [s.pop()!, v1, v2];
      }
      case 4: {
        marks.pop();
        const v3 = s.pop()!;
        const v2 = s.pop()!;
        const v1 = s.pop()!;
        return [s.pop()!, v1, v2, v3];
      }
      case 5: {
        marks.pop();
        const v4 = s.pop()!;
        const v3 = s.pop()!;
        const v2 = s.pop()!;
        const v1 = s.pop()!;
        return [s.pop()!, v1, v2, v3, v4];
      }
      case 6: {
        marks.pop();
        const v5 = s.pop()!;
        const v4 = s.pop()!;
        const v3 = s.pop()!;
        const v2 = s.pop()!;
        const v1 = s.pop()!;
        return [s.pop()!, v1, v2, v3, v4, v5];
      }
      default:
        return this.popMark(stack, marks, opOffset);
    }
  }

  private popMark(stack: Value[], marks: number[], opOffset: number): Value[] {
    if (marks.length === 0) halt('PICKLE_MARK_ERROR', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} needs a MARK; there is none`, opOffset);
    const mark = marks.pop()!;
    const items = new Array<Value>(stack.length - mark);
    for (let i = items.length - 1; i >= 0; i--) items[i] = stack.pop()!;
    return items;
  }

  private underflow(opOffset: number): never {
    return halt('PICKLE_STACK_UNDERFLOW', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} needs a stack item above the last MARK; there is none`, opOffset);
  }

  private badArg(opOffset: number, what: string): never {
    return halt('PICKLE_BAD_ARGUMENT', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset}: ${what}`, opOffset);
  }

  private memoKey(value: bigint | undefined, opOffset: number): number {
    if (value === undefined) return this.badArg(opOffset, 'memo key is not an integer');
    if (value < 0n) return this.badArg(opOffset, `negative memo key ${value}`);
    if (value > 0xffffffffn) return this.badArg(opOffset, `memo key ${value} is too large`);
    return Number(value);
  }

  private memoGet(memo: Memo, key: number, opOffset: number): Value {
    const value = memo.get(key);
    if (value !== undefined) return value;
    const earlier = this.previousMemo?.get(key);
    this.hooks.issue('PICKLE_MEMO_MISSING', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} reads memo key ${key}, which this pickle never stored${earlier !== undefined ? ' (a loader that keeps its memo across pickles would use the previous pickle\'s value)' : ''}`, {
      offset: opOffset,
      key,
    });
    return earlier ?? new PUnknown(`missing memo key ${key}`);
  }

  private memoPut(memo: Memo, key: number, value: Value, maxMemo: number, opOffset: number): void {
    memo.set(key, value);
    if (memo.size > maxMemo) halt('PICKLE_LIMIT_EXCEEDED', `memo holds more than ${maxMemo} entries`, opOffset, { limit: 'memo' });
  }

  /** INT/LONG/FLOAT text arguments. */
  private textNumber(op: number, line: Uint8Array, opOffset: number): Value {
    if (op === OP.FLOAT) {
      const parsed = parseFloatArg(line);
      return parsed === undefined ? this.badArg(opOffset, 'not a float') : new PFloat(parsed);
    }
    if (op === OP.LONG) {
      const parsed = parseLongArg(line);
      return parsed === undefined ? this.badArg(opOffset, 'not an integer') : intValue(parsed);
    }
    const parsed = parseIntArg(line);
    return parsed === undefined ? this.badArg(opOffset, 'not an integer') : (parsed.bool ?? intValue(parsed.value));
  }

  /** bytes[at, end) as text, refusing non-ASCII (INST names, PERSID). */
  private ascii(at: number, end: number, opOffset: number, what: string): string {
    const bytes = this.bytes;
    for (let i = at; i < end; i++) if (bytes[i]! >= 0x80) return this.badArg(opOffset, what);
    return this.strings.latin1(at, end - at);
  }

  private bytesValue(at: number, n: number, mutable: boolean): PBytes {
    const value = new PBytes(this.bytes.subarray(at, at + n), at, mutable);
    if (n >= 8 && this.bytes[at] === 0x80) this.hooks.literal(value, at);
    return value;
  }

  private pushText(stack: Value[], s: string, at: number): void {
    if (s.length >= 16) this.noteString(s, at);
    stack.push(s);
  }

  private noteString(s: string, at: number): void {
    const c = s.charCodeAt(0);
    if (c === 0x67 || c === 0x38 || c === 0x80) this.hooks.literal(s, at); // 'g' (base64 of \x80), '8' (hex), raw
  }
}
