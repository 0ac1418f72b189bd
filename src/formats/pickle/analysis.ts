import { type Finding, makeFinding } from '../../core/finding.js';
import type { ScanContext } from '../types.js';
import { BIT_GENERATOR_CTOR, type CalledArgument, CALLABLE_ARGUMENTS, DICT_LIKE, FORWARDING_HELPERS, LIST_LIKE, SET_LIKE } from './allowlist.js';
import { type Classification, canonicalName, classifyGlobal } from './classify.js';
import { DANGEROUS_DUNDERS } from './denylist.js';
import { forgedDtypeFlags } from './dtype-state.js';
import { PICKLE_CODES, type PickleCode } from './codes.js';
import type { PickleCall, PickleFacts, PickleImport, PlainValue } from './facts.js';
import { Halt } from './frames.js';
import { WrapperInstance } from './joblib.js';
import { CONDITIONAL_LOADER, JOBLIB_WRAPPERS, NESTED_LOADERS } from './loaders.js';
import type { BuildAction, MachineHooks, MutationOp } from './machine.js';
import { plainPersistentId } from './plain.js';
import { staticBytes, staticString } from './static-eval.js';
import {
  PBytes,
  PCall,
  PDict,
  PGlobal,
  PList,
  PPersistent,
  PSet,
  PTuple,
  PUnknown,
  type Value,
  describeCallable,
  describeValue,
  sequenceItems,
} from './values.js';

const MAX_RECORDED_IMPORTS = 10_000;
const MAX_RECORDED_CALLS = 10_000;
const MAX_PERSISTENT_IDS = 1_000_000;
const MAX_LITERAL_CANDIDATES = 512;
const MAX_JOBLIB_RECORDS = 10_000;
const MAX_EVIDENCE_OFFSETS = 10;
const PID_LIMITS = { maxNodes: 256, maxDepth: 6, maxString: 256 };
/** Helpers followed through forwarded calls (func(*args) inside func(*args) ...). */
const MAX_FORWARD_DEPTH = 8;
/** Values walked per stream looking for loaders and joblib wrappers passed around as values. */
const WALK_BUDGET = 20_000_000;
/** copyreg helpers that create an instance of their first argument without calling __init__. */
const COPYREG_CREATORS: ReadonlySet<string> = new Set(['copyreg._reconstructor', 'copyreg.__newobj__', 'copyreg.__newobj_ex__']);

/**
 * Codes a plain-semantics pass keeps: what a real unpickler does (imports, calls, loads) before it
 * fails on what joblib would have read as array data. Parse errors in those bytes are expected noise.
 */
const PLAIN_KEPT: ReadonlySet<PickleCode> = new Set([
  'PICKLE_DENIED_GLOBAL',
  'PICKLE_UNKNOWN_GLOBAL',
  'PICKLE_NONLITERAL_GLOBAL',
  'PICKLE_NONLITERAL_CALLABLE',
  'PICKLE_EXT_OPCODE',
  'PICKLE_BUILD_ON_GLOBAL',
  'PICKLE_GLOBAL_MUTATION',
  'PICKLE_DUNDER_STATE',
  'PICKLE_NESTED_LOADER',
  'PICKLE_NESTED_PICKLE',
]);

/** Issues on which CPython's unpickler raises: in a plain-semantics pass they end the run. */
const PLAIN_FAILS: ReadonlySet<PickleCode> = new Set([
  'PICKLE_MEMO_MISSING',
  'PICKLE_TYPE_ERROR',
  'PICKLE_OUT_OF_BAND_BUFFER',
  'PICKLE_BAD_ARGUMENT',
  'PICKLE_STACK_UNDERFLOW',
  'PICKLE_MARK_ERROR',
]);

/** Codes whose findings are kept one per global (module.name), not one per code. */
const PER_SUBJECT: ReadonlySet<PickleCode> = new Set([
  'PICKLE_DENIED_GLOBAL',
  'PICKLE_UNKNOWN_GLOBAL',
  'PICKLE_NESTED_LOADER',
  'PICKLE_NESTED_PICKLE',
  'PICKLE_BUILD_ON_GLOBAL',
  'PICKLE_GLOBAL_MUTATION',
  'PICKLE_NONLITERAL_CALLABLE',
  'PICKLE_NONLITERAL_GLOBAL',
  'PICKLE_EXT_OPCODE',
]);

interface GlobalEntry {
  c: Classification;
  /** Globals are immutable values, so every import of one name shares one PGlobal. */
  global: PGlobal;
  /** VIA_BITS of the opcodes whose import of this name is in `imports` already. */
  recorded: number;
  /** Key of its DENIED/UNKNOWN finding in `findings`. */
  findingKey: string;
}

const VIA_BITS: Readonly<Record<string, number>> = { GLOBAL: 1, STACK_GLOBAL: 2, INST: 4, EXT1: 8, EXT2: 16, EXT4: 32 };

export interface NestedPayload {
  bytes: Uint8Array;
  label: string;
}

export interface LiteralCandidate {
  value: string | PBytes;
  offset: number;
}

/**
 * The analyser behind the pickle machine: classifies every import, checks every call, BUILD and
 * container mutation, collects nested payloads, and turns all of it into facts and findings.
 */
export class PickleAnalysis implements MachineHooks {
  readonly imports: PickleImport[] = [];
  readonly calls: PickleCall[] = [];
  callCount = 0;
  readonly persistentIds: PlainValue[] = [];
  readonly nested: NestedPayload[] = [];
  readonly literalCandidates: LiteralCandidate[] = [];
  /** Offsets of literals already handed to a loader (not re-scanned as embedded pickles). */
  readonly consumedLiterals = new Set<number>();
  readonly consumedStrings = new Set<string>();
  readonly joblibArrays: NonNullable<PickleFacts['joblibArrays']> = [];
  private readonly findings = new Map<string, Finding>();
  /** One entry per distinct (module, name): its verdict, shared PGlobal and what was recorded. */
  private readonly globals = new Map<string, Map<string, GlobalEntry>>();
  private readonly importKeys = new Set<string>();
  /** copyreg extension registry as filled by copyreg.add_extension calls seen in the stream. */
  private readonly extensions = new Map<number, [string, string]>();
  private persistentOverflow = false;
  /** NumpyArrayWrapper instances the stream created, with their attributes. */
  private readonly wrappers = new WeakMap<PCall, WrapperInstance>();
  /** BUILDs after which joblib.load reads array data (the bytes a plain unpickler reads as opcodes). */
  joblibActions = 0;
  /** A loader or joblib wrapper global was imported: values passed around are walked for them. */
  private sensitiveSeen = false;
  private readonly walk: WalkBudget = { left: WALK_BUDGET, reported: false };
  /** Plain-semantics pass: globals called (really or through a helper). */
  readonly called = new Set<string>();
  /** Set by the scan while the machine runs (plain-semantics passes halt on CPython failures then). */
  running = false;

  /**
   * `plain`: analyse with pickle.load / torch.load semantics instead of joblib.load's: no array data
   * after wrapper BUILDs, and the run stops where CPython's unpickler would raise.
   */
  constructor(
    private readonly ctx: ScanContext,
    readonly plain = false,
  ) {}

  findingList(): Finding[] {
    return [...this.findings.values()];
  }

  /** Counts one more repeat of the finding stored under `key`; false when there is none yet. */
  private bump(key: string, offset: number): boolean {
    const existing = this.findings.get(key);
    if (!existing) return false;
    const ev = existing.evidence as { count: number; offsets: unknown[] };
    ev.count++;
    if (ev.offsets.length < MAX_EVIDENCE_OFFSETS) ev.offsets.push(offset);
    return true;
  }

  /** Adds a finding; repeats of the same code (and subject) only bump its count and offsets. */
  report(code: PickleCode, message: string | (() => string), evidence: Record<string, unknown> | (() => Record<string, unknown>) = {}, subject = ''): void {
    const key = PER_SUBJECT.has(code) ? `${code}\n${subject}` : code;
    const existing = this.findings.get(key);
    if (existing) {
      const ev = existing.evidence as { count: number; offsets: unknown[] };
      ev.count++;
      if (ev.offsets.length < MAX_EVIDENCE_OFFSETS) {
        const offset = (typeof evidence === 'function' ? evidence() : evidence).offset;
        if (offset !== undefined) ev.offsets.push(offset);
      }
      return;
    }
    if (typeof message === 'function') message = message();
    if (typeof evidence === 'function') evidence = evidence();
    const offsets = evidence.offset !== undefined ? [evidence.offset] : [];
    this.findings.set(key, makeFinding(PICKLE_CODES, code, this.ctx, message, { ...evidence, count: 1, offsets }));
    if (this.plain && this.running && PLAIN_FAILS.has(code)) throw new Halt(code, message);
  }

  issue(code: PickleCode, message: string, evidence: Record<string, unknown> = {}): void {
    this.report(code, message, evidence);
  }

  /** The issue that stopped a run (never halts again). */
  stopped(code: PickleCode, message: string, evidence: Record<string, unknown> = {}): void {
    if (this.plain) return;
    this.report(code, message, evidence);
  }

  /** The result of a pickle: a loader or wrapper class in it is handed to the application. */
  checkResult(result: Value | undefined): void {
    if (result !== undefined) this.checkSensitive(result, 'the pickle result', -1);
  }

  /**
   * Adds what a plain-semantics pass over the same bytes found that a real unpickler would do:
   * denied imports, imports of names that are then called, loader calls and their payloads.
   */
  absorbPlainPass(plain: PickleAnalysis): void {
    for (const [key, finding] of plain.findings) {
      if (!PLAIN_KEPT.has(finding.code as PickleCode) || this.findings.has(key)) continue;
      const ev = finding.evidence as Record<string, unknown>;
      if (finding.code === 'PICKLE_UNKNOWN_GLOBAL' && !plain.called.has(`${String(ev.module)}.${String(ev.name)}`)) continue;
      this.findings.set(key, {
        ...finding,
        message: `under pickle.load/torch.load, which read joblib array data as opcodes: ${finding.message}`,
        evidence: { ...ev, semantics: 'pickle.load' },
      });
    }
    const labels = new Set(this.nested.map((n) => n.label));
    for (const n of plain.nested) if (!labels.has(n.label)) this.nested.push({ bytes: n.bytes, label: `plain-${n.label}` });
  }

  private entry(module: string, name: string): GlobalEntry {
    let byName = this.globals.get(module);
    if (byName === undefined) {
      byName = new Map();
      this.globals.set(module, byName);
    }
    let entry = byName.get(name);
    if (entry === undefined) {
      const c = classifyGlobal(module, name);
      const global = new PGlobal(module, name, c.verdict, canonicalName(module, name));
      const code = c.verdict === 'denied' ? 'PICKLE_DENIED_GLOBAL' : 'PICKLE_UNKNOWN_GLOBAL';
      entry = { c, global, recorded: 0, findingKey: `${code}\n${global.full}` };
      byName.set(name, entry);
      if (isSensitive(global)) this.sensitiveSeen = true;
    }
    return entry;
  }

  private recordImport(module: string, name: string, via: string, offset: number, c: Classification, entry?: GlobalEntry): void {
    const bit = VIA_BITS[via] ?? 0;
    if ((entry === undefined || (entry.recorded & bit) === 0) && this.imports.length < MAX_RECORDED_IMPORTS) {
      const key = `${module}\n${name}\n${via}`;
      if (!this.importKeys.has(key)) {
        this.importKeys.add(key);
        this.imports.push({ module, name, via, offset, verdict: c.verdict });
      }
      if (entry !== undefined) entry.recorded |= bit;
    }
    if (c.verdict === 'allowed') return;
    if (entry !== undefined && this.bump(entry.findingKey, offset)) return;
    const full = `${module}.${name}`;
    if (c.verdict === 'denied') {
      this.report('PICKLE_DENIED_GLOBAL', () => `${via} at offset ${offset} imports ${full}: ${c.reason}`, () => ({ module, name, via, offset, rule: c.rule }), full);
    } else if (c.verdict === 'unknown') {
      this.report('PICKLE_UNKNOWN_GLOBAL', () => `${via} at offset ${offset} imports ${full}. ${c.reason}`, () => ({ module, name, via, offset, kind: c.kind }), full);
    }
  }

  private makeGlobal(module: string, name: string, via: string, offset: number): PGlobal {
    const entry = this.entry(module, name);
    // An import of a name that is not a module path fails: a real unpickler stops there.
    if (this.plain && entry.c.kind === 'invalid-name') throw new Halt('PICKLE_BAD_ARGUMENT', `${via} at offset ${offset} imports an invalid name`);
    this.recordImport(module, name, via, offset, entry.c, entry);
    return entry.global;
  }

  global(module: string, name: string, via: 'GLOBAL' | 'INST', offset: number): PGlobal {
    return this.makeGlobal(module, name, via, offset);
  }

  stackGlobal(module: Value, name: Value, offset: number): PGlobal {
    if (typeof module === 'string' && typeof name === 'string') return this.makeGlobal(module, name, 'STACK_GLOBAL', offset);
    const computed = (v: Value): boolean => v instanceof PCall || v instanceof PUnknown || v instanceof PGlobal || v instanceof PPersistent;
    if (!computed(module) && !computed(name)) {
      this.report('PICKLE_TYPE_ERROR', `STACK_GLOBAL at offset ${offset} needs two str operands, got ${describeValue(module)} and ${describeValue(name)}`, { offset });
      return new PGlobal('<invalid>', '<invalid>', 'unknown', '<invalid>', false);
    }
    const m = staticString(module);
    const n = staticString(name);
    const resolved = m !== undefined && n !== undefined ? `${m}.${n}` : undefined;
    this.report(
      'PICKLE_NONLITERAL_GLOBAL',
      `STACK_GLOBAL at offset ${offset} imports a name computed at load time (module ${describeValue(module)}, name ${describeValue(name)})${resolved ? `; it evaluates to ${resolved}` : ''}`,
      { offset, module: describeValue(module), name: describeValue(name), ...(resolved ? { resolved } : {}) },
      resolved ?? `${describeValue(module)}.${describeValue(name)}`,
    );
    if (m !== undefined && n !== undefined) {
      const g = this.makeGlobal(m, n, 'STACK_GLOBAL', offset);
      return new PGlobal(m, n, 'denied', g.canonical, false);
    }
    this.recordImport('<non-literal>', '<non-literal>', 'STACK_GLOBAL', offset, { verdict: 'denied', kind: 'denied', reason: 'computed name' });
    return new PGlobal('<non-literal>', '<non-literal>', 'denied', '<non-literal>', false);
  }

  ext(code: number, via: 'EXT1' | 'EXT2' | 'EXT4', offset: number): PGlobal {
    const registered = this.extensions.get(code);
    this.report(
      'PICKLE_EXT_OPCODE',
      `${via} at offset ${offset} imports extension code ${code} through copyreg's registry${registered ? `, registered earlier in the stream as ${registered.join('.')}` : ', which is empty unless loading code registered it'}`,
      { offset, code, ...(registered ? { resolved: registered.join('.') } : {}) },
      String(code),
    );
    if (registered) {
      const g = this.makeGlobal(registered[0], registered[1], via, offset);
      return new PGlobal(g.module, g.name, 'denied', g.canonical, false);
    }
    // CPython raises on an unregistered extension code.
    if (this.plain) throw new Halt('PICKLE_EXT_OPCODE', `unregistered extension code ${code}`);
    this.recordImport('<copyreg extension>', String(code), via, offset, { verdict: 'denied', kind: 'denied', reason: 'extension code' });
    return new PGlobal('<copyreg extension>', String(code), 'denied', `<copyreg extension>.${code}`, false);
  }

  call(call: PCall): void {
    this.callCount++;
    const target = describeCallable(call.callable);
    if (this.calls.length < MAX_RECORDED_CALLS) this.calls.push({ opcode: call.opcode, target, offset: call.offset });
    const callable = persistentClass(call.callable) ?? call.callable;
    if (!(callable instanceof PGlobal)) {
      if (callable instanceof PCall || callable instanceof PUnknown || callable instanceof PPersistent) {
        this.report('PICKLE_NONLITERAL_CALLABLE', `${call.opcode} at offset ${call.offset} calls ${target}, not an imported global; what runs cannot be known statically`, { offset: call.offset, opcode: call.opcode, target }, target);
      } else {
        this.report('PICKLE_TYPE_ERROR', `${call.opcode} at offset ${call.offset} calls ${target}, which is not callable`, { offset: call.offset, opcode: call.opcode });
      }
      return;
    }
    if ((call.opcode === 'REDUCE' || call.opcode === 'NEWOBJ' || call.opcode === 'NEWOBJ_EX') && !(call.args instanceof PTuple)) {
      this.report('PICKLE_TYPE_ERROR', `${call.opcode} at offset ${call.offset} passes ${describeValue(call.args)} as the argument tuple of ${target}`, { offset: call.offset, opcode: call.opcode });
    }
    const args = sequenceItems(call.args);
    const name = callable.canonical;
    const creates = call.opcode === 'NEWOBJ' || call.opcode === 'NEWOBJ_EX' ? 'new' : 'call';
    if (this.sensitiveSeen) this.checkSensitiveArguments(callable, args ?? [], call, creates);
    if (creates === 'new') {
      // cls.__new__(cls, *args): nothing of the stream is called but the class itself.
      if (this.plain) this.called.add(callable.full);
      if (NESTED_LOADERS.has(name)) this.report('PICKLE_NESTED_LOADER', `${call.opcode} at offset ${call.offset} uses the loader ${name} as a class`, { offset: call.offset, loader: name }, name);
      else if (JOBLIB_WRAPPERS.has(name) && !this.plain) this.wrappers.set(call, new WrapperInstance());
    } else {
      this.checkCallee(callable, args, call, undefined, 0);
      if (!this.plain) this.trackWrapperCreation(callable, args, call);
    }
    if (name === 'copyreg.add_extension') this.registerExtension(args ?? []);
  }

  /**
   * What calling `callee(*args)` does, for a call in the stream or one an allowed helper makes with
   * arguments it was given (`via`: that helper): loaders get their input scanned, helpers that call
   * arguments get those checked, and forwarded calls are followed.
   */
  private checkCallee(callee: PGlobal, args: Value[] | undefined, call: PCall, via: string | undefined, depth: number): void {
    if (this.plain) this.called.add(callee.full);
    const name = callee.canonical;
    const loader = NESTED_LOADERS.get(name);
    if (loader) {
      this.checkLoader(loader, name, args, call, via);
      return;
    }
    if (via !== undefined && JOBLIB_WRAPPERS.has(name) && !this.plain) {
      this.report('PICKLE_JOBLIB_ARRAY', `${via} at offset ${call.offset} creates a joblib NumpyArrayWrapper; joblib.load would read array data after a BUILD on it that this analyser cannot place`, { offset: call.offset, reason: `created through ${via}` });
    }
    if (callee.verdict !== 'allowed') return;
    const called = CALLABLE_ARGUMENTS.get(name);
    if (called && args === undefined) {
      this.report('PICKLE_NONLITERAL_CALLABLE', `${via ?? name} at offset ${call.offset} passes arguments computed at load time to ${name}, which calls some of them`, { offset: call.offset, helper: name }, `${name}#args`);
      return;
    }
    if (called) this.checkCallableArguments(name, called, args!, call);
    if (!FORWARDING_HELPERS.has(name) || args === undefined) return;
    if (depth >= MAX_FORWARD_DEPTH) {
      this.report('PICKLE_NONLITERAL_CALLABLE', `${name} at offset ${call.offset} forwards calls nested deeper than ${MAX_FORWARD_DEPTH} helpers`, { offset: call.offset, helper: name }, `${name}#depth`);
      return;
    }
    for (const [fn, fnArgs] of forwardedCalls(name, args, this.bitGeneratorCtor())) {
      if (fn instanceof PGlobal) this.checkCallee(fn, fnArgs, call, name, depth + 1);
    }
  }

  private bitGeneratorCtorGlobal: PGlobal | undefined;
  private bitGeneratorCtor(): PGlobal {
    if (!this.bitGeneratorCtorGlobal) {
      const dot = BIT_GENERATOR_CTOR.lastIndexOf('.');
      const module = BIT_GENERATOR_CTOR.slice(0, dot);
      const name = BIT_GENERATOR_CTOR.slice(dot + 1);
      this.bitGeneratorCtorGlobal = new PGlobal(module, name, classifyGlobal(module, name).verdict, BIT_GENERATOR_CTOR);
    }
    return this.bitGeneratorCtorGlobal;
  }

  private checkLoader(loader: string, name: string, args: Value[] | undefined, call: PCall, via: string | undefined): void {
    const arg = args?.[0];
    const payload = arg === undefined ? undefined : staticBytes(arg);
    if (payload !== undefined) {
      if (arg !== undefined) this.consumeLiterals(arg, 0);
      const label = `${loader}@${call.offset}`;
      this.nested.push({ bytes: payload, label });
      const how = name === CONDITIONAL_LOADER ? 'legacy torch.save storage; its own findings decide' : 'scanned as a nested payload';
      this.report('PICKLE_NESTED_PICKLE', `${name} at offset ${call.offset} loads ${payload.length} literal bytes (${how})`, { offset: call.offset, loader: name, bytes: payload.length }, name);
    }
    // A loader is allowed only as the direct callee of REDUCE (or INST/OBJ) on one literal argument.
    let problem: string | undefined;
    if (via !== undefined) problem = `is called by ${via}`;
    else if (payload === undefined) problem = `is called on ${arg === undefined ? 'no argument' : describeValue(arg)}, data computed at load time that cannot be scanned`;
    else if (args!.length !== 1) problem = `is called with ${args!.length} arguments`;
    if (problem) this.report('PICKLE_NESTED_LOADER', `${name} at offset ${call.offset} ${problem}`, { offset: call.offset, loader: name }, name);
  }

  /** Marks the literals a loader argument is built from, so they are not scanned again as embedded pickles. */
  private consumeLiterals(v: Value, depth: number): void {
    if (v instanceof PBytes) this.consumedLiterals.add(v.offset);
    else if (typeof v === 'string') this.consumedStrings.add(v);
    else if (v instanceof PCall && depth < 8) for (const a of sequenceItems(v.args) ?? []) this.consumeLiterals(a, depth + 1);
  }

  private checkCallableArguments(name: string, indexes: readonly CalledArgument[], args: Value[], call: PCall): void {
    for (const [i, accepts] of indexes) {
      const arg = args[i];
      if (arg === undefined) continue;
      if ((accepts === 'str' && typeof arg === 'string') || (accepts === 'none' && arg === null)) continue;
      if (!(arg instanceof PGlobal)) {
        this.report('PICKLE_NONLITERAL_CALLABLE', `${name} at offset ${call.offset} will call its argument ${i}, ${describeValue(arg)}, which is not an imported global`, { offset: call.offset, helper: name, argument: i }, `${name}#${i}`);
        continue;
      }
      if (this.plain) this.called.add(arg.full);
      if (NESTED_LOADERS.has(arg.canonical)) {
        this.report('PICKLE_NESTED_LOADER', `${name} at offset ${call.offset} is given the loader ${arg.canonical} to call; its input cannot be scanned`, { offset: call.offset, loader: arg.canonical }, arg.canonical);
      }
    }
  }

  /**
   * joblib's own wrappers come from NEWOBJ (protocol 2+) or copyreg._reconstructor(cls, object, None)
   * (protocols 0/1), without __init__; calling the class runs __init__ and its defaults.
   */
  private trackWrapperCreation(callable: PGlobal, args: Value[] | undefined, call: PCall): void {
    const name = callable.canonical;
    if (JOBLIB_WRAPPERS.has(name)) {
      const w = WrapperInstance.initialised(args, call.kwargs);
      if (typeof w === 'string') this.report('PICKLE_JOBLIB_ARRAY', `${call.opcode} at offset ${call.offset}: ${w}`, { offset: call.offset, reason: w });
      else this.wrappers.set(call, w);
      return;
    }
    if (!COPYREG_CREATORS.has(name) || !(args?.[0] instanceof PGlobal) || !JOBLIB_WRAPPERS.has(args[0].canonical)) return;
    if (name === 'copyreg._reconstructor' && !(args[1] instanceof PGlobal && args[1].canonical === 'builtins.object' && args[2] === null && args.length === 3)) {
      this.report('PICKLE_JOBLIB_ARRAY', `copyreg._reconstructor at offset ${call.offset} creates a joblib NumpyArrayWrapper from a base other than object`, { offset: call.offset, reason: 'unusual _reconstructor' });
      return;
    }
    this.wrappers.set(call, new WrapperInstance());
  }

  /**
   * joblib NumpyArrayWrapper and the nested loaders may appear only where loads legitimately put
   * them: the wrapper as the class a creation pattern instantiates, a loader as the direct callee of
   * a call on literal bytes. Anywhere else in the arguments (nested in containers too), a helper could
   * instantiate or call them out of sight.
   */
  private checkSensitiveArguments(callee: PGlobal, args: Value[], call: PCall, creates: 'new' | 'call'): void {
    const exemptFirst = creates === 'call' && COPYREG_CREATORS.has(callee.canonical) && args[0] instanceof PGlobal && JOBLIB_WRAPPERS.has(args[0].canonical);
    for (let i = exemptFirst ? 1 : 0; i < args.length; i++) this.checkSensitive(args[i]!, `argument ${i} of ${callee.full} at offset ${call.offset}`, call.offset);
    if (call.kwargs !== undefined) this.checkSensitive(call.kwargs, `keyword arguments of ${callee.full} at offset ${call.offset}`, call.offset);
  }

  /** Reports the wrapper class or a loader found in `v` (containers walked; call results are not). */
  checkSensitive(v: Value, where: string, offset: number): void {
    if (!this.sensitiveSeen || v === null || typeof v !== 'object' || v instanceof PBytes) return;
    const found = findSensitive(v, this.walk);
    if (found === 'limit') {
      if (!this.walk.reported) {
        this.walk.reported = true;
        this.report('PICKLE_LIMIT_EXCEEDED', `more than ${WALK_BUDGET} values walked looking for loaders and joblib wrappers; the rest are not checked`, { offset, limit: 'value walk' });
      }
      return;
    }
    for (const g of found) {
      if (NESTED_LOADERS.has(g.canonical)) {
        this.report('PICKLE_NESTED_LOADER', `the loader ${g.canonical} is passed around as a value (${where}); something may call it on data that cannot be scanned`, { offset, loader: g.canonical, where }, g.canonical);
      } else if (!this.plain) {
        this.report('PICKLE_JOBLIB_ARRAY', `the joblib NumpyArrayWrapper class is passed around as a value (${where}); an instance made from it would make joblib.load read array data this analyser cannot place`, { offset, reason: `wrapper class in ${where}` });
      }
    }
  }

  private registerExtension(args: Value[]): void {
    const [module, name, code] = args;
    if (typeof module === 'string' && typeof name === 'string' && typeof code === 'number') this.extensions.set(code, [module, name]);
  }

  build(target: Value, state: Value, offset: number, inFrame: boolean, inline: boolean): BuildAction | undefined {
    this.checkSensitive(state, `BUILD state at offset ${offset}`, offset);
    if (target instanceof PGlobal) {
      const slot = state instanceof PTuple && state.items.length === 2;
      this.report(
        'PICKLE_BUILD_ON_GLOBAL',
        `BUILD at offset ${offset} sets ${slot ? 'attributes (slot state via setattr)' : 'attributes'} on ${target.full} itself, a module, class or function shared by all code`,
        { offset, target: target.full, slotState: slot, keys: stateKeys(state).slice(0, 50) },
        target.full,
      );
      return undefined;
    }
    if (!(target instanceof PCall)) {
      if (!(target instanceof PPersistent || target instanceof PUnknown)) {
        this.report('PICKLE_TYPE_ERROR', `BUILD at offset ${offset} targets ${describeValue(target)}, which has no instance state`, { offset });
      }
      return undefined;
    }
    const forged = forgedDtypeFlags(target, state);
    if (forged) this.report('PICKLE_FORGED_DTYPE', `BUILD at offset ${offset}: ${forged}; numpy would read raw array bytes as object pointers`, { offset, reason: forged });
    const dunders = stateKeys(state).filter((k) => DANGEROUS_DUNDERS.has(k));
    if (dunders.length > 0) {
      this.report('PICKLE_DUNDER_STATE', `BUILD at offset ${offset} sets ${dunders.join(', ')} on ${describeValue(target)}`, { offset, keys: dunders });
    }
    const wrapper = this.wrappers.get(target);
    // joblib's NumpyUnpickler reads array data after a wrapper's BUILD; the inline object-array
    // pickles it reads with a plain pickle.load, and other loaders, do not.
    if (wrapper === undefined || inline || this.plain) return undefined;
    this.joblibActions++;
    const problem = wrapper.build(state);
    const layout = problem ?? wrapper.layout();
    if (typeof layout === 'string') {
      this.report('PICKLE_JOBLIB_ARRAY', `joblib NumpyArrayWrapper BUILD at offset ${offset}: ${layout}; the inline array cannot be skipped`, { offset, reason: layout });
      return { stop: true };
    }
    const subclass = wrapper.attrs.get('subclass');
    if (!(subclass instanceof PGlobal)) {
      // NumpyArrayWrapper.read instantiates self.subclass (numpy._reconstruct) unless it is ndarray/memmap.
      this.report('PICKLE_NONLITERAL_CALLABLE', `joblib NumpyArrayWrapper BUILD at offset ${offset}: joblib instantiates its subclass ${subclass === undefined ? '(missing)' : describeValue(subclass)}, which is not an imported global`, { offset, helper: 'NumpyArrayWrapper.subclass' }, 'NumpyArrayWrapper.subclass');
    }
    if (inFrame) {
      this.report('PICKLE_FRAME_ERROR', `joblib array data after BUILD at offset ${offset} starts inside a FRAME; joblib would read it after the frame instead`, { offset });
    }
    if (this.joblibArrays.length < MAX_JOBLIB_RECORDS) {
      this.joblibArrays.push({ offset, bytes: layout.bytes, dtype: layout.dtype, shape: layout.shape, inlinePickle: layout.hasObject });
    }
    return layout.hasObject ? { inlinePickle: true } : { arrayBytes: layout.bytes, alignmentByte: layout.alignmentByte };
  }

  mutate(op: MutationOp, target: Value, items: Value[], offset: number): void {
    for (const item of items) this.checkSensitive(item, `${op} at offset ${offset}`, offset);
    if (target instanceof PGlobal) {
      this.report('PICKLE_GLOBAL_MUTATION', `${op} at offset ${offset} calls a method of ${target.full} itself (a module, class or function)`, { offset, op, target: target.full }, target.full);
      return;
    }
    if (target instanceof PCall) {
      const cls = target.callable instanceof PGlobal && target.callable.verdict === 'allowed' ? target.callable.canonical : undefined;
      const kind = op === 'ADDITEMS' ? SET_LIKE : op.startsWith('SET') ? DICT_LIKE : LIST_LIKE;
      if (cls !== undefined && !kind.has(cls)) {
        this.report('PICKLE_TYPE_ERROR', `${op} at offset ${offset} on an instance of ${cls}, which has no such method (type confusion)`, { offset, op, target: cls });
        return;
      }
      if (op.startsWith('SET')) {
        const kv = (target.kv ??= []);
        for (let i = 0; i + 1 < items.length; i += 2) kv.push(items[i]!, items[i + 1]!);
      } else {
        target.items ??= [];
        for (const item of items) target.items.push(item);
      }
      return;
    }
    if (target instanceof PPersistent || target instanceof PUnknown) return;
    this.report('PICKLE_TYPE_ERROR', `${op} at offset ${offset} on ${describeValue(target)}, which does not support it`, { offset, op });
  }

  persistentId(pid: Value, offset: number): void {
    this.checkSensitive(pid, `persistent id at offset ${offset}`, offset);
    if (this.persistentIds.length < MAX_PERSISTENT_IDS) {
      this.persistentIds.push(plainPersistentId(pid, PID_LIMITS));
    } else if (!this.persistentOverflow) {
      this.persistentOverflow = true;
      this.report('PICKLE_LIMIT_EXCEEDED', `more than ${MAX_PERSISTENT_IDS} persistent ids; the rest are not recorded`, { offset, limit: 'persistent ids' });
    }
  }

  literal(value: string | PBytes, offset: number): void {
    if (this.literalCandidates.length < MAX_LITERAL_CANDIDATES) this.literalCandidates.push({ value, offset });
  }
}

function latin1ToBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

/** Every string key of a BUILD state: a dict, or the two dicts of a (state, slotstate) tuple (callers cap evidence). */
function stateKeys(state: Value): string[] {
  const dicts = state instanceof PTuple && state.items.length === 2 ? state.items : [state];
  const keys: string[] = [];
  for (const d of dicts) {
    if (!(d instanceof PDict)) continue;
    for (let i = 0; i < d.kv.length; i += 2) {
      const k = d.kv[i];
      if (typeof k === 'string') keys.push(k);
    }
  }
  return keys;
}

/** Decodes a literal that may hold an embedded pickle: raw latin-1 text or bytes, base64, or hex. */
export function candidateBytes(candidate: LiteralCandidate): { bytes: Uint8Array; encoding: string } | undefined {
  const { value } = candidate;
  if (value instanceof PBytes) return { bytes: value.data, encoding: 'raw' };
  const head = value.slice(0, 2);
  if (head === 'gA') {
    if (!/^[A-Za-z0-9+/=\s_-]+$/.test(value)) return undefined;
    return { bytes: Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64'), encoding: 'base64' };
  }
  if (head === '80') {
    const clean = value.replace(/\s+/g, '');
    if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return undefined;
    return { bytes: Buffer.from(clean, 'hex'), encoding: 'hex' };
  }
  if (value.charCodeAt(0) === 0x80) {
    const bytes = latin1ToBytes(value);
    return bytes ? { bytes, encoding: 'raw' } : undefined;
  }
  return undefined;
}

/**
 * Legacy torch.save of a whole module writes each nn.Module class as the persistent id
 * ('module', <class>, source_file, source); torch's persistent_load returns the class itself.
 */
function persistentClass(v: Value): PGlobal | undefined {
  if (!(v instanceof PPersistent)) return undefined;
  const pid = sequenceItems(v.pid);
  return pid?.[0] === 'module' && pid[1] instanceof PGlobal ? pid[1] : undefined;
}

const isSensitive = (g: PGlobal): boolean => NESTED_LOADERS.has(g.canonical) || JOBLIB_WRAPPERS.has(g.canonical);

interface WalkBudget {
  left: number;
  reported: boolean;
}

/**
 * Loader and wrapper globals inside `root`: tuples, lists, dicts, sets and what APPEND/SETITEM/BUILD
 * added to call results are walked (each object once); a call's own arguments were checked when it
 * was made. 'limit' when the stream's walk budget is spent.
 */
function findSensitive(root: Value, budget: WalkBudget): PGlobal[] | 'limit' {
  const found: PGlobal[] = [];
  const seen = new Set<object>();
  const todo: Value[] = [root];
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (v === null || typeof v !== 'object' || v instanceof PBytes) continue;
    if (--budget.left < 0) return 'limit';
    if (v instanceof PGlobal) {
      if (isSensitive(v) && !found.includes(v)) found.push(v);
      continue;
    }
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof PTuple || v instanceof PList || v instanceof PSet) {
      for (const item of v.items) if (item !== null && typeof item === 'object') todo.push(item);
    } else if (v instanceof PDict) {
      for (const item of v.kv) if (item !== null && typeof item === 'object') todo.push(item);
    } else if (v instanceof PCall) {
      if (v.items) todo.push(...v.items);
      if (v.kv) todo.push(...v.kv);
    } else if (v instanceof PPersistent) {
      todo.push(v.pid);
    }
  }
  return found;
}

/**
 * The calls an allowed forwarding helper makes with its arguments: [callee, arguments] pairs
 * (arguments undefined when they are not a literal sequence).
 */
function forwardedCalls(name: string, args: Value[], bitGeneratorCtor: PGlobal): Array<[Value, Value[] | undefined]> {
  switch (name) {
    case 'torch._tensor._rebuild_from_type':
    case 'torch._tensor._rebuild_from_type_v2':
      // ret = func(*args)
      return args[0] === undefined || args[2] === undefined ? [] : [[args[0], sequenceItems(args[2])]];
    case 'numpy.random._pickle.__randomstate_ctor':
    case 'numpy.random._pickle.__generator_ctor': {
      // isinstance(name, BitGenerator) short-cuts; else bit_generator_ctor(name).
      const bitGenerator = args[0] ?? 'MT19937';
      if (bitGenerator instanceof PCall || bitGenerator instanceof PPersistent || bitGenerator instanceof PUnknown) return [];
      return [[args[1] ?? bitGeneratorCtor, [bitGenerator]]];
    }
    case 'numpy.random._pickle.__bit_generator_ctor':
      // a class argument is instantiated: bit_gen_class()
      return args[0] instanceof PGlobal ? [[args[0], []]] : [];
    default:
      return [];
  }
}
