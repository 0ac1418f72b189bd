import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../scripts/fixtures/lib/pickle-writer.js';
import type { Finding } from '../../src/core/finding.js';
import { bufferSource } from '../../src/core/source.js';
import { type PlainValue, scanPickles } from '../../src/formats/pickle/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';

function context(): ScanContext {
  const ctx: ScanContext = {
    file: 'test.pkl',
    location: [],
    depth: 0,
    limits: DEFAULT_LIMITS,
    async scanNested(source, label): Promise<FormatReport> {
      const bytes = await source.read(0, source.size);
      const scan = await scanPickles(bytes, { ...ctx, location: [label], depth: ctx.depth + 1 });
      return { format: 'pickle', facts: scan.facts as unknown as Record<string, unknown>, findings: scan.findings, children: scan.children };
    },
  };
  return ctx;
}

async function scan(bytes: Uint8Array | PickleWriter) {
  return scanPickles(bytes instanceof PickleWriter ? bytes.bytes() : bytes, context());
}

const codes = (findings: Finding[]): string[] => findings.map((f) => f.code).sort();
const result = async (w: PickleWriter): Promise<PlainValue | undefined> => (await scan(w)).results[0];

describe('pickle machine: values', () => {
  it('decodes every integer form, including bigints and negative LONG1', async () => {
    const w = new PickleWriter().proto(2).mark().int(7).int(300).int(-5).long1(-1n).long1(2n ** 70n).int0(42).raw('I0x1f\n').raw('I00\n').raw('I01\n').long0(-(2n ** 80n)).list().stop();
    expect(await result(w)).toEqual([7, 300, -5, -1, { bigint: String(2n ** 70n) }, 42, 31, false, true, { bigint: String(-(2n ** 80n)) }]);
  });

  it('decodes strings from every string opcode', async () => {
    const w = new PickleWriter().mark().string0('a\\x41\\n').raw('S"q"\n').binString('bin').shortBinString('short').unicode0('\\u00e9t\\u00e9').unicode('ünï').binunicode8('eight').list().stop();
    expect(await result(w)).toEqual(['aA\n', 'q', 'bin', 'short', 'été', 'ünï', 'eight']);
  });

  it('builds containers with the real opcodes', async () => {
    const w = new PickleWriter().proto(4).emptyDict().mark().unicode('l').emptyList().mark().int(1).int(2).appends().int(3).append()
      .unicode('s').emptySet().mark().int(4).additems().unicode('f').mark().int(5).frozenset().unicode('t').int(1).int(2).int(3).tuple3()
      .setitems().stop();
    expect(await result(w)).toEqual({ dict: [['l', [1, 2, 3]], ['s', [4]], ['f', [5]], ['t', [1, 2, 3]]] });
  });

  it('floats, None, bools and bytes', async () => {
    const w = new PickleWriter().proto(3).mark().float(1.5).float0(-2.25).none().bool(true).bytesValue(new Uint8Array(3)).bytes8(new Uint8Array(2), true).tuple().stop();
    expect(await result(w)).toEqual([1.5, -2.25, null, true, { bytes: 3 }, { bytes: 2 }]);
  });
});

describe('pickle machine: memo', () => {
  it('MEMOIZE uses len(memo), sharing one key space with BINPUT', async () => {
    // BINPUT 5 makes len(memo) 1, so MEMOIZE stores 'b' under key 1, not 0.
    const w = new PickleWriter().proto(4).unicode('a').binput(5).pop().unicode('b').memoize().pop().mark().binget(5).binget(1).list().stop();
    const s = await scan(w);
    expect(s.results[0]).toEqual(['a', 'b']);
    expect(codes(s.findings)).toEqual([]);
  });

  it('a later PUT overwrites the slot', async () => {
    const w = new PickleWriter().proto(2).unicode('old').binput(0).pop().unicode('new').binput(0).pop().binget(0).stop();
    expect(await result(w)).toBe('new');
  });

  it('stores values, not opcode arguments: GET returns the container itself', async () => {
    const w = new PickleWriter().proto(2).emptyList().binput(0).int(1).append().binget(0).int(2).append().pop().stop();
    expect(await result(w)).toEqual([1, 2]);
  });

  it('text PUT/GET and LONG_BINPUT/LONG_BINGET', async () => {
    const w = new PickleWriter().unicode0('x').put(12).pop().unicode0('y').longBinput(70000).pop().mark().get(12).longBinget(70000).list().stop();
    expect(await result(w)).toEqual(['x', 'y']);
  });

  it('a missing memo key is a finding, analysis continues', async () => {
    const s = await scan(new PickleWriter().proto(2).binget(3).pop().global('os', 'system').stop());
    expect(codes(s.findings)).toEqual(['PICKLE_DENIED_GLOBAL', 'PICKLE_MEMO_MISSING']);
    expect(s.complete).toBe(true);
  });

  it('negative PUT is refused as CPython does', async () => {
    const s = await scan(new PickleWriter().none().raw('p-1\n').stop());
    expect(codes(s.findings)).toEqual(['PICKLE_BAD_ARGUMENT']);
    expect(s.complete).toBe(false);
  });
});

describe('pickle machine: stack and MARK', () => {
  it('stack underflow stops the pickle with a finding', async () => {
    const s = await scan(new PickleWriter().proto(2).global('os', 'system').pop().pop().stop());
    expect(codes(s.findings)).toEqual(['PICKLE_DENIED_GLOBAL', 'PICKLE_STACK_UNDERFLOW']);
    expect(s.complete).toBe(false);
    expect(s.facts.end).toBe(s.end);
  });

  it('items below a MARK are fenced off', async () => {
    const s = await scan(new PickleWriter().proto(2).int(1).mark().pop().pop().stop());
    // The first POP removes the MARK (as _pickle.c does), the second pops 1; STOP then underflows.
    expect(codes(s.findings)).toEqual(['PICKLE_STACK_UNDERFLOW']);
    const fenced = await scan(new PickleWriter().proto(2).int(1).mark().tuple1().stop());
    expect(codes(fenced.findings)).toEqual(['PICKLE_STACK_UNDERFLOW']);
  });

  it('TUPLE without MARK is a MARK error', async () => {
    const s = await scan(new PickleWriter().proto(2).int(1).tuple().stop());
    expect(codes(s.findings)).toEqual(['PICKLE_MARK_ERROR']);
  });

  it('odd SETITEMS is a bad argument', async () => {
    const s = await scan(new PickleWriter().proto(2).emptyDict().mark().int(1).setitems().stop());
    expect(codes(s.findings)).toEqual(['PICKLE_BAD_ARGUMENT']);
  });

  it('values left at STOP are reported as low', async () => {
    const s = await scan(new PickleWriter().proto(2).int(1).int(2).stop());
    expect(s.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_STACK_NOT_EMPTY', 'low']]);
    expect(s.results[0]).toBe(2);
  });
});

describe('pickle machine: errors never throw and keep earlier findings', () => {
  it('unknown opcode after a payload', async () => {
    const s = await scan(new PickleWriter().proto(2).global('os', 'system').raw([0xff]).stop());
    expect(codes(s.findings)).toEqual(['PICKLE_DENIED_GLOBAL', 'PICKLE_UNKNOWN_OPCODE']);
  });

  it('truncated argument', async () => {
    const s = await scan(new PickleWriter().proto(2).raw([0x58, 0xff, 0xff, 0, 0]).raw('abc'));
    expect(codes(s.findings)).toEqual(['PICKLE_TRUNCATED']);
  });

  it('unsupported protocol and misplaced PROTO', async () => {
    expect(codes((await scan(new PickleWriter().proto(6).none().stop())).findings)).toEqual(['PICKLE_BAD_PROTOCOL']);
    const misplaced = await scan(new PickleWriter().proto(2).none().proto(2).stop());
    expect(misplaced.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_MISPLACED_PROTO', 'low']]);
  });

  it('invalid text arguments', async () => {
    for (const bad of ['Ixyz\n', 'F1.5.5\n', "S'unterminated\n", 'V\\u12\n']) {
      const s = await scan(new PickleWriter().raw(bad).stop());
      expect(codes(s.findings), bad).toEqual(['PICKLE_BAD_ARGUMENT']);
    }
  });

  it('LONG4 with a negative length', async () => {
    const s = await scan(new PickleWriter().proto(2).raw([0x8b, 0xff, 0xff, 0xff, 0xff]).stop());
    expect(codes(s.findings)).toEqual(['PICKLE_BAD_ARGUMENT']);
  });

  it('an empty stream', async () => {
    const s = await scan(new Uint8Array(0));
    expect(codes(s.findings)).toEqual(['PICKLE_EMPTY_STREAM']);
    expect(s.complete).toBe(false);
  });
});

describe('pickle machine: FRAME', () => {
  it('accepts well-formed frames', async () => {
    const body = new PickleWriter().unicode('abc').stop().bytes();
    const s = await scan(Buffer.concat([new PickleWriter().proto(4).frame(body.length).bytes(), body]));
    expect(codes(s.findings)).toEqual([]);
    expect(s.results[0]).toBe('abc');
  });

  it('reports an argument that straddles the frame end, and keeps analysing', async () => {
    const body = new PickleWriter().unicode('builtins').unicode('exec').stackGlobal().stop().bytes();
    const s = await scan(Buffer.concat([new PickleWriter().proto(4).frame(13).bytes(), body]));
    expect(codes(s.findings)).toEqual(['PICKLE_DENIED_GLOBAL', 'PICKLE_FRAME_ERROR']);
  });

  it('reports a frame that starts inside another and a frame longer than the stream', async () => {
    const nested = await scan(new PickleWriter().proto(4).frame(20).frame(2).none().stop());
    expect(codes(nested.findings)).toContain('PICKLE_FRAME_ERROR');
    const long = await scan(new PickleWriter().proto(4).frame(1000).none().stop());
    expect(codes(long.findings)).toEqual(['PICKLE_FRAME_ERROR']);
    expect(long.complete).toBe(false);
  });
});

describe('pickle machine: imports and calls', () => {
  it('records GLOBAL, STACK_GLOBAL and INST imports with verdicts', async () => {
    const w = new PickleWriter().proto(4).mark().global('collections', 'OrderedDict').unicode('os').unicode('system').stackGlobal().mark().inst('sklearn.tree', 'Tree').list().stop();
    const s = await scan(w);
    expect(s.facts.imports.map((i) => [i.module, i.name, i.via, i.verdict])).toEqual([
      ['collections', 'OrderedDict', 'GLOBAL', 'allowed'],
      ['os', 'system', 'STACK_GLOBAL', 'denied'],
      ['sklearn.tree', 'Tree', 'INST', 'unknown'],
    ]);
    expect(s.facts.calls.map((c) => [c.opcode, c.target])).toEqual([['INST', 'sklearn.tree.Tree']]);
  });

  it('records every call opcode', async () => {
    const w = new PickleWriter().proto(4).mark()
      .global('collections', 'OrderedDict').emptyTuple().reduce()
      .global('collections', 'Counter').emptyTuple().newobj()
      .global('collections', 'deque').emptyTuple().emptyDict().newobjEx()
      .mark().global('collections', 'defaultdict').obj()
      .list().stop();
    const s = await scan(w);
    expect(s.facts.calls.map((c) => [c.opcode, c.target])).toEqual([
      ['REDUCE', 'collections.OrderedDict'],
      ['NEWOBJ', 'collections.Counter'],
      ['NEWOBJ_EX', 'collections.deque'],
      ['OBJ', 'collections.defaultdict'],
    ]);
    expect(s.facts.callCount).toBe(4);
    expect(codes(s.findings)).toEqual([]);
  });

  it('collects persistent ids as plain values', async () => {
    const w = new PickleWriter().proto(2).mark().unicode('storage').global('torch', 'FloatStorage').unicode('0').unicode('cpu').int(6).tuple().binpersid().stop();
    const s = await scan(w);
    expect(s.facts.persistentIds).toEqual([['storage', { global: 'torch.FloatStorage' }, '0', 'cpu', 6]]);
    expect(s.results[0]).toEqual({ call: 'persistent_load', args: ['storage', { global: 'torch.FloatStorage' }, '0', 'cpu', 6] });
  });

  it('a call result used as a callable is critical', async () => {
    const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().emptyTuple().reduce().stop();
    const s = await scan(w);
    expect(s.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_NONLITERAL_CALLABLE', 'critical']]);
  });

  it('STACK_GLOBAL with a non-str literal operand is a type error; with a computed one, critical', async () => {
    const typed = await scan(new PickleWriter().proto(4).int(1).unicode('x').stackGlobal().stop());
    expect(codes(typed.findings)).toEqual(['PICKLE_TYPE_ERROR']);
    const computed = await scan(new PickleWriter().proto(4).global('collections', 'OrderedDict').emptyTuple().reduce().unicode('x').stackGlobal().stop());
    expect(computed.findings.map((f) => [f.code, f.severity])).toContainEqual(['PICKLE_NONLITERAL_GLOBAL', 'critical']);
  });

  it('copyreg._reconstructor must be given globals to instantiate', async () => {
    const ok = new PickleWriter().proto(1).global('copyreg', '_reconstructor').mark().global('collections', 'OrderedDict').global('builtins', 'object').none().tuple().reduce().stop();
    expect(codes((await scan(ok)).findings)).toEqual([]);
    const bad = new PickleWriter().proto(1).global('copyreg', '_reconstructor').mark().unicode('x').global('builtins', 'object').none().tuple().reduce().stop();
    expect(codes((await scan(bad)).findings)).toEqual(['PICKLE_NONLITERAL_CALLABLE']);
  });

  it('SETITEM on an allowlisted non-dict instance is type confusion; on a global, critical', async () => {
    const confused = await scan(new PickleWriter().proto(2).global('torch', 'Size').emptyTuple().reduce().int(1).int(2).setitem().stop());
    expect(codes(confused.findings)).toEqual(['PICKLE_TYPE_ERROR']);
    const onGlobal = await scan(new PickleWriter().proto(2).global('collections', 'OrderedDict').int(1).int(2).setitem().stop());
    expect(onGlobal.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_GLOBAL_MUTATION', 'critical']]);
  });

  it('OrderedDict items set by SETITEMS are part of the plain result', async () => {
    const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark().unicode('a').int(1).setitems().stop();
    expect(await result(w)).toEqual({ call: 'collections.OrderedDict', args: [], dict: [['a', 1]] });
  });

  it('NEXT_BUFFER without buffers is high', async () => {
    const s = await scan(new PickleWriter().proto(5).nextBuffer().stop());
    expect(s.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_OUT_OF_BAND_BUFFER', 'high']]);
  });
});

describe('pickle machine: streams', () => {
  it('analyses every pickle to EOF and reports trailing junk', async () => {
    const one = new PickleWriter().proto(2).int(1).stop().bytes();
    const two = new PickleWriter().proto(2).global('os', 'system').stop().bytes();
    const s = await scan(Buffer.concat([one, two, Buffer.from([0])]));
    expect(s.facts.pickles.map((p) => [p.start, p.end])).toEqual([[0, one.length], [one.length, one.length + two.length]]);
    expect(codes(s.findings)).toEqual(['PICKLE_DENIED_GLOBAL', 'PICKLE_TRAILING_DATA', 'PICKLE_UNKNOWN_OPCODE']);
  });

  it('honours start, maxPickles and allowTrailing', async () => {
    const one = new PickleWriter().proto(2).int(1).stop().bytes();
    const bytes = Buffer.concat([Buffer.from('xx'), one, one, Buffer.from('raw storage bytes')]);
    const s = await scanPickles(bytes, context(), { start: 2, maxPickles: 2, allowTrailing: true });
    expect(s.results).toEqual([1, 1]);
    expect(s.end).toBe(2 + 2 * one.length);
    expect(s.complete).toBe(true);
    expect(s.findings).toEqual([]);
    const strict = await scanPickles(bytes, context(), { start: 2, maxPickles: 2 });
    expect(codes(strict.findings)).toEqual(['PICKLE_TRAILING_DATA']);
  });

  it('respects the opcode limit', async () => {
    const w = new PickleWriter().proto(2);
    for (let i = 0; i < 50; i++) w.none().pop();
    const s = await scanPickles(w.none().stop().bytes(), { ...context(), limits: { ...DEFAULT_LIMITS, maxPickleOps: 20 } });
    expect(codes(s.findings)).toEqual(['PICKLE_LIMIT_EXCEEDED']);
  });

  it('a memo expansion bomb finishes fast and is reported', async () => {
    const w = new PickleWriter().proto(2).emptyList().binput(0).pop();
    for (let level = 1; level <= 24; level++) {
      w.mark();
      for (let i = 0; i < 10; i++) w.binget(level - 1);
      w.list().binput(level).pop();
    }
    const bytes = w.binget(24).stop().bytes();
    expect(bytes.length).toBeLessThan(700);
    const started = performance.now();
    const s = await scan(bytes);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(s.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_EXPANSION_BOMB', 'medium']]);
  });
});

describe('nested payloads', () => {
  it('scans bytes given to pickle.loads as a child report', async () => {
    const inner = new PickleWriter().proto(2).global('os', 'system').unicode('id').tuple1().reduce().stop().bytes();
    const outer = new PickleWriter().proto(3).global('pickle', 'loads').bytesValue(inner).tuple1().reduce().stop().bytes();
    const s = await scan(outer);
    const reduceAt = outer.length - 2;
    expect(s.children.map((c) => c.label)).toEqual([`pickle.loads@${reduceAt}`]);
    expect(codes(s.children[0]!.report.findings)).toEqual(['PICKLE_DENIED_GLOBAL']);
    expect(s.children[0]!.report.findings[0]!.location).toBe(`pickle.loads@${reduceAt}`);
  });

  it('_load_from_bytes with literal bytes is allowed; the payload decides', async () => {
    const inner = new PickleWriter().proto(2).int(1).stop().bytes();
    const s = await scan(new PickleWriter().proto(2).global('torch.storage', '_load_from_bytes').bytesValue(inner).tuple1().reduce().stop());
    expect(s.findings.map((f) => [f.code, f.severity])).toEqual([['PICKLE_NESTED_PICKLE', 'info']]);
    expect(s.children).toHaveLength(1);
  });

  it('decodes base64 and hex literals that hold pickles', async () => {
    const inner = new PickleWriter().proto(2).global('os', 'system').stop().bytes();
    const b64 = await scan(new PickleWriter().proto(2).unicode(inner.toString('base64')).stop());
    const hex = await scan(new PickleWriter().proto(2).unicode(inner.toString('hex')).stop());
    for (const s of [b64, hex]) {
      expect(codes(s.findings)).toEqual(['PICKLE_EMBEDDED_PICKLE']);
      expect(codes(s.children[0]!.report.findings)).toEqual(['PICKLE_DENIED_GLOBAL']);
    }
  });

  it('does not treat data that merely starts with 0x80 as a pickle', async () => {
    const data = new Uint8Array(64).fill(7);
    data[0] = 0x80;
    data[1] = 0x02;
    const s = await scan(new PickleWriter().proto(3).bytesValue(data).stop());
    expect(s.findings).toEqual([]);
    expect(s.children).toEqual([]);
  });
});

it('bufferSource round trip (test context sanity)', async () => {
  const source = bufferSource(new Uint8Array([1, 2, 3]), 'x');
  expect(Array.from(await source.read(1, 5))).toEqual([2, 3]);
});
