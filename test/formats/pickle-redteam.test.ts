import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../scripts/fixtures/lib/pickle-writer.js';
import type { Report } from '../../src/core/report.js';
import { checkFiles } from '../redteam/helpers.js';

/** Runs os.system('id') inside an outer pickle (POP first: it starts right after a BUILD). */
const P = "0cos\nsystem\n(S'id'\ntR";
/** A whole protocol-0 pickle that runs os.system('id'). */
const Q = "cos\nsystem\n(S'id'\ntR.";
const WRAPPER: [string, string] = ['joblib.numpy_pickle', 'NumpyArrayWrapper'];

const u32 = (n: number): string => String.fromCharCode(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** numpy.dtype(t, False, True), optionally with BUILD (v, '|', None, None, None, elsize, align, flags). */
function dt(w: PickleWriter, t: string, state?: [number, number, number, number]): PickleWriter {
  w.global('numpy', 'dtype').unicode(t).bool(false).bool(true).tuple3().reduce();
  if (state) {
    const [v, elsize, align, flags] = state;
    w.mark().int(v).unicode('|').none().none().none().int(elsize).int(align).int(flags).tuple().build();
  }
  return w;
}

/** joblib's protocol-2 wrapper (NEWOBJ, no __init__) for an array of `n` items. */
function wrap(n: number, dtype: (w: PickleWriter) => PickleWriter): PickleWriter {
  const w = new PickleWriter().proto(2).global(...WRAPPER).emptyTuple().newobj().emptyDict().mark();
  w.unicode('subclass').global('numpy', 'ndarray').unicode('shape').int(n).tuple1().unicode('order').unicode('C').unicode('dtype');
  return dtype(w).setitems().build();
}

async function checkBytes(bytes: Uint8Array, name = 'model.pkl'): Promise<Report> {
  return checkFiles({ [name]: bytes }, { single: true });
}

function expectDeny(report: Report, code: string): void {
  expect(report.verdict, JSON.stringify(report.findings.map((f) => f.code))).toBe('DENY');
  expect(report.findings.map((f) => f.code)).toContain(code);
}

describe('red team 1: the joblib array skip holds for joblib.load only', () => {
  const bytes = wrap(21, (w) => dt(w, 'u1')).raw(P).op('.').bytes();

  it.each(['model.pkl', 'model.pt', 'model.bin', 'model.ckpt', 'model.joblib'])('array bytes that pickle.load runs are denied as %s', async (name) => {
    const report = await checkBytes(bytes, name);
    expectDeny(report, 'PICKLE_DENIED_GLOBAL');
    const denied = report.findings.find((f) => f.code === 'PICKLE_DENIED_GLOBAL')!;
    expect(denied.evidence).toMatchObject({ module: 'os', name: 'system', semantics: 'pickle.load' });
  });

  it('a wrapper BUILD inside a joblib object-array pickle is not followed by array data', async () => {
    // Object array (flags 63): joblib reads the inline pickle with a plain pickle.load, which runs P.
    const inner = wrap(21, (w) => dt(w, 'u1')).raw(P).op('.').bytes();
    const bytes2 = wrap(1, (w) => dt(w, 'O8', [3, -1, -1, 63])).raw(inner).op('.').bytes();
    const report = await checkBytes(bytes2, 'model.joblib');
    expectDeny(report, 'PICKLE_DENIED_GLOBAL');
    expect(report.findings.find((f) => f.code === 'PICKLE_DENIED_GLOBAL')!.evidence.semantics).toBeUndefined();
  });
});

describe('red team 2: joblib array layout follows numpy and joblib', () => {
  it('(a) state elsize is ignored for non-flexible kinds', async () => {
    const bytes = wrap(3, (w) => dt(w, 'u1', [3, 8, 1, 0])).raw(`xyz${P}.`).bytes();
    const report = await checkBytes(bytes, 'model.joblib');
    expectDeny(report, 'PICKLE_DENIED_GLOBAL');
    expect(report.findings.find((f) => f.code === 'PICKLE_DENIED_GLOBAL')!.evidence.semantics).toBeUndefined();
  });

  it('(b) version < 3 dtype states with any non-zero flags hold objects', async () => {
    const bytes = wrap(21, (w) => dt(w, 'u1', [2, -1, -1, 2])).raw(`${Q}.`).bytes();
    expectDeny(await checkBytes(bytes, 'model.joblib'), 'PICKLE_DENIED_GLOBAL');
  });

  it('(c) an O dtype with a version-3 state and flags 0 is read as raw bytes', async () => {
    const bytes = wrap(1, (w) => dt(w, 'O8', [3, -1, -1, 0])).raw(`N.xxxxxx${P}.`).bytes();
    expectDeny(await checkBytes(bytes, 'model.joblib'), 'PICKLE_DENIED_GLOBAL');
  });

  it('(d) a wrapper made by calling the class gets __init__ defaults (alignment byte)', async () => {
    const w = new PickleWriter().proto(2).global(...WRAPPER).mark().global('numpy', 'ndarray').int(0).tuple1().unicode('C');
    dt(w, 'u1').tuple().reduce();
    w.emptyDict().mark().unicode('shape').int(0).tuple1().unicode('dtype');
    dt(w, 'u1').setitems().build();
    w.raw(`B${u32(62 + P.length)}${'F'.repeat(62)}${P}0.`);
    const report = await checkBytes(w.bytes(), 'model.joblib');
    expectDeny(report, 'PICKLE_DENIED_GLOBAL');
  });

  it('(e) a wrapper made through _rebuild_from_type_v2 is denied', async () => {
    const w = new PickleWriter().proto(2).global('torch._tensor', '_rebuild_from_type_v2').mark().global(...WRAPPER).global(...WRAPPER);
    w.mark().global('numpy', 'ndarray').int(5).tuple1().unicode('C');
    dt(w, 'u1').tuple().none().tuple().reduce();
    w.emptyDict().unicode('numpy_array_alignment_bytes').none().setitem().build();
    w.raw(`B${u32(P.length)}${P}0.`);
    expectDeny(await checkBytes(w.bytes(), 'model.joblib'), 'PICKLE_JOBLIB_ARRAY');
  });

  it('a wrapper class swapped in through BUILD slot state is denied', async () => {
    const w = new PickleWriter().proto(2).global('argparse', 'Namespace').emptyTuple().reduce();
    w.none().emptyDict().unicode('__class__').global(...WRAPPER).setitem().tuple2().build().op('.');
    expectDeny(await checkBytes(w.bytes(), 'model.joblib'), 'PICKLE_JOBLIB_ARRAY');
  });
});

describe('red team 3: helpers that call their arguments, and loaders passed around', () => {
  it('__randomstate_ctor(Q, _load_from_bytes)', async () => {
    const w = new PickleWriter().proto(2).global('numpy.random._pickle', '__randomstate_ctor').bytesValue(latin1(Q));
    w.global('torch.storage', '_load_from_bytes').tuple2().reduce().op('.');
    const report = await checkBytes(w.bytes());
    expectDeny(report, 'PICKLE_NESTED_LOADER');
  });

  it('__generator_ctor(_codecs.encode(Q, "latin1"), _load_from_bytes)', async () => {
    const w = new PickleWriter().proto(2).global('numpy.random._pickle', '__generator_ctor');
    w.global('_codecs', 'encode').unicode(Q).unicode('latin1').tuple2().reduce();
    w.global('torch.storage', '_load_from_bytes').tuple2().reduce().op('.');
    expectDeny(await checkBytes(w.bytes()), 'PICKLE_NESTED_LOADER');
  });

  it('_rebuild_from_type_v2(__randomstate_ctor, RandomState, (Q, _load_from_bytes), {})', async () => {
    const w = new PickleWriter().proto(2).global('torch._tensor', '_rebuild_from_type_v2').mark();
    w.global('numpy.random._pickle', '__randomstate_ctor').global('numpy.random.mtrand', 'RandomState');
    w.bytesValue(latin1(Q)).global('torch.storage', '_load_from_bytes').tuple2().emptyDict().tuple().reduce().op('.');
    const report = await checkBytes(w.bytes());
    expectDeny(report, 'PICKLE_NESTED_LOADER');
  });

  it('_rebuild_from_type_v2 forwards its args to a helper that calls them', async () => {
    // _rebuild_from_type_v2(copyreg._reconstructor, object, (<call result>, object, None), None)
    const w = new PickleWriter().proto(2).global('torch._tensor', '_rebuild_from_type_v2').mark();
    w.global('copyreg', '_reconstructor').global('builtins', 'object');
    w.global('builtins', 'list').emptyTuple().reduce().global('builtins', 'object').none().tuple3().none().tuple().reduce().op('.');
    expectDeny(await checkBytes(w.bytes()), 'PICKLE_NONLITERAL_CALLABLE');
  });

  it('__bit_generator_ctor instantiates a class argument', async () => {
    const w = new PickleWriter().proto(2).global('numpy.random._pickle', '__bit_generator_ctor').global('torch.storage', '_load_from_bytes').tuple1().reduce().op('.');
    expectDeny(await checkBytes(w.bytes()), 'PICKLE_NESTED_LOADER');
  });

  it('a loader kept in the memo and stored in a container, BUILD state or the result', async () => {
    const inList = new PickleWriter().proto(2).global('torch.storage', '_load_from_bytes').binput(0).pop().emptyList().binget(0).append().op('.');
    expectDeny(await checkBytes(inList.bytes()), 'PICKLE_NESTED_LOADER');
    const inState = new PickleWriter().proto(2).global('argparse', 'Namespace').emptyTuple().reduce();
    inState.emptyDict().unicode('f').global('torch.storage', '_load_from_bytes').setitem().build().op('.');
    expectDeny(await checkBytes(inState.bytes()), 'PICKLE_NESTED_LOADER');
  });

  it('a loader called with more than its one literal argument', async () => {
    const w = new PickleWriter().proto(2).global('torch.storage', '_load_from_bytes').bytesValue(latin1(Q)).int(1).tuple2().reduce().op('.');
    expectDeny(await checkBytes(w.bytes()), 'PICKLE_NESTED_LOADER');
  });

  it('numpy random state pickles as numpy writes them still approve', async () => {
    // numpy >= 1.25: __randomstate_ctor(<bit generator>) with __bit_generator_ctor(MT19937 class), and the older name form.
    const modern = new PickleWriter().proto(2).global('numpy.random._pickle', '__randomstate_ctor');
    modern.global('numpy.random._pickle', '__bit_generator_ctor').global('numpy.random._mt19937', 'MT19937').tuple1().reduce();
    modern.tuple1().reduce().op('.');
    expect((await checkBytes(modern.bytes())).verdict).toBe('APPROVE');
    const named = new PickleWriter().proto(2).global('numpy.random._pickle', '__generator_ctor').unicode('PCG64');
    named.global('numpy.random._pickle', '__bit_generator_ctor').tuple2().reduce().op('.');
    expect((await checkBytes(named.bytes())).verdict).toBe('APPROVE');
  });
});
