import { type Finding, makeFinding } from '../../core/finding.js';
import type { ScanContext } from '../types.js';
import { CALLABLE_ARGUMENTS, DICT_LIKE, LIST_LIKE, SET_LIKE } from './allowlist.js';
import { type Classification, canonicalName, classifyGlobal } from './classify.js';
import { DANGEROUS_DUNDERS } from './denylist.js';
import { PICKLE_CODES, type PickleCode } from './codes.js';
import type { PickleCall, PickleFacts, PickleImport, PlainValue } from './facts.js';
import { isJoblibWrapper, joblibLayout } from './joblib.js';
import { CONDITIONAL_LOADER, NESTED_LOADERS } from './loaders.js';
import type { BuildAction, MachineHooks, MutationOp } from './machine.js';
import { plainPersistentId } from './plain.js';
import { staticBytes, staticString } from './static-eval.js';
import {
  PBytes,
  PCall,
  PDict,
  PGlobal,
  PPersistent,
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

  constructor(private readonly ctx: ScanContext) {}

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
  }

  issue(code: PickleCode, message: string, evidence: Record<string, unknown> = {}): void {
    this.report(code, message, evidence);
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
    const args = sequenceItems(call.args) ?? [];
    const name = callable.canonical;
    const loader = NESTED_LOADERS.get(name);
    if (loader) this.checkLoader(loader, name, args[0], call);
    const callableArgs = CALLABLE_ARGUMENTS.get(name);
    if (callableArgs && callable.verdict === 'allowed') this.checkCallableArguments(name, callableArgs, args, call);
    if (name === 'copyreg.add_extension') this.registerExtension(args);
  }

  private checkLoader(loader: string, name: string, arg: Value | undefined, call: PCall): void {
    const payload = arg === undefined ? undefined : staticBytes(arg);
    if (payload === undefined) {
      this.report(
        'PICKLE_NESTED_LOADER',
        `${call.opcode} at offset ${call.offset} calls ${name} on ${arg === undefined ? 'no argument' : describeValue(arg)}, data computed at load time that cannot be scanned`,
        { offset: call.offset, loader: name },
        name,
      );
      return;
    }
    if (arg !== undefined) this.consumeLiterals(arg, 0);
    const label = `${loader}@${call.offset}`;
    this.nested.push({ bytes: payload, label });
    const how = name === CONDITIONAL_LOADER ? 'legacy torch.save storage; its own findings decide' : 'scanned as a nested payload';
    this.report('PICKLE_NESTED_PICKLE', `${name} at offset ${call.offset} loads ${payload.length} literal bytes (${how})`, { offset: call.offset, loader: name, bytes: payload.length }, name);
  }

  /** Marks the literals a loader argument is built from, so they are not scanned again as embedded pickles. */
  private consumeLiterals(v: Value, depth: number): void {
    if (v instanceof PBytes) this.consumedLiterals.add(v.offset);
    else if (typeof v === 'string') this.consumedStrings.add(v);
    else if (v instanceof PCall && depth < 8) for (const a of sequenceItems(v.args) ?? []) this.consumeLiterals(a, depth + 1);
  }

  private checkCallableArguments(name: string, indexes: readonly number[], args: Value[], call: PCall): void {
    for (const i of indexes) {
      const arg = args[i];
      if (arg === undefined) continue;
      if (!(arg instanceof PGlobal)) {
        this.report('PICKLE_NONLITERAL_CALLABLE', `${name} at offset ${call.offset} will call its argument ${i}, ${describeValue(arg)}, which is not an imported global`, { offset: call.offset, helper: name, argument: i }, `${name}#${i}`);
      } else if (NESTED_LOADERS.has(arg.canonical)) {
        this.report('PICKLE_NESTED_LOADER', `${name} at offset ${call.offset} is given the loader ${arg.canonical} to call; its input cannot be scanned`, { offset: call.offset, loader: arg.canonical }, arg.canonical);
      }
    }
  }

  private registerExtension(args: Value[]): void {
    const [module, name, code] = args;
    if (typeof module === 'string' && typeof name === 'string' && typeof code === 'number') this.extensions.set(code, [module, name]);
  }

  build(target: Value, state: Value, offset: number, inFrame: boolean): BuildAction | undefined {
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
    const dunders = stateKeys(state).filter((k) => DANGEROUS_DUNDERS.has(k));
    if (dunders.length > 0) {
      this.report('PICKLE_DUNDER_STATE', `BUILD at offset ${offset} sets ${dunders.join(', ')} on ${describeValue(target)}`, { offset, keys: dunders });
    }
    if (!isJoblibWrapper(target)) return undefined;
    const layout = joblibLayout(state);
    if (typeof layout === 'string') {
      this.report('PICKLE_JOBLIB_ARRAY', `joblib NumpyArrayWrapper BUILD at offset ${offset}: ${layout}; the inline array cannot be skipped`, { offset, reason: layout });
      return { stop: true };
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
