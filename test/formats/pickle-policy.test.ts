import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../scripts/fixtures/lib/pickle-writer.js';
import { ALLOWED_GLOBALS, DENIED_PATHS, classifyGlobal, matchDenylist, scanPickles } from '../../src/formats/pickle/index.js';
import { DEFAULT_LIMITS, type ScanContext } from '../../src/formats/types.js';

const ctx: ScanContext = {
  file: 'policy.pkl',
  location: [],
  depth: 0,
  limits: DEFAULT_LIMITS,
  scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
};

/** Splits an entry into the (module, name) a pickle would write: the last component is the name. */
function split(entry: string): [string, string] {
  const parts = entry.split('.');
  if (parts.length === 1) return [entry, 'anything'];
  return [parts.slice(0, -1).join('.'), parts[parts.length - 1]!];
}

describe('denylist', () => {
  it('every entry triggers a critical finding through GLOBAL and STACK_GLOBAL', async () => {
    expect(DENIED_PATHS.size).toBeGreaterThan(150);
    for (const entry of DENIED_PATHS) {
      const [module, name] = split(entry);
      for (const bytes of [
        new PickleWriter().proto(2).global(module, name).stop().bytes(),
        new PickleWriter().proto(4).unicode(module).unicode(name).stackGlobal().stop().bytes(),
      ]) {
        const scan = await scanPickles(bytes, ctx);
        const denied = scan.findings.filter((f) => f.code === 'PICKLE_DENIED_GLOBAL');
        expect(denied, entry).toHaveLength(1);
        expect(denied[0]!.severity).toBe('critical');
        expect(denied[0]!.evidence).toMatchObject({ module, name });
      }
    }
  });

  it('denies submodules and dotted names below an entry', () => {
    expect(matchDenylist('os.path', 'join')?.rule).toBe('os');
    expect(matchDenylist('asyncio.unix_events', '_UnixSubprocessTransport._start')?.rule).toBe('asyncio');
    expect(matchDenylist('builtins', 'eval.__call__')?.rule).toBe('builtins.eval');
    expect(matchDenylist('pathlib', 'os.system')?.rule).toBe('os (reached through attribute os.system)');
    expect(matchDenylist('torch.utils.collect_env', 'run')?.rule).toBe('torch.utils.collect_env');
  });

  it('denies dunder traversal anywhere in the name', () => {
    expect(matchDenylist('numpy', '__builtins__')?.rule).toBe('dunder attribute __builtins__');
    expect(matchDenylist('numpy', 'size.__globals__')?.rule).toBe('dunder attribute __globals__');
    expect(matchDenylist('builtins', 'object.__subclasses__')?.rule).toBe('dunder attribute __subclasses__');
    expect(matchDenylist('collections', 'OrderedDict.__weird__')?.rule).toBe('dunder attribute __weird__');
  });

  it('judges Python 2 aliases by their Python 3 names', () => {
    expect(classifyGlobal('__builtin__', 'eval').verdict).toBe('denied');
    expect(classifyGlobal('cPickle', 'loads').verdict).toBe('denied');
    expect(classifyGlobal('commands', 'getoutput').verdict).toBe('denied');
    expect(classifyGlobal('__builtin__', 'reduce').verdict).toBe('denied'); // functools.reduce
    expect(classifyGlobal('copy_reg', '_reconstructor').verdict).toBe('allowed');
  });
});

describe('allowlist and false positives', () => {
  const legitimate: Array<[string, string]> = [
    ['_codecs', 'encode'],
    ['__builtin__', 'set'],
    ['__builtin__', 'long'],
    ['builtins', 'frozenset'],
    ['collections', 'OrderedDict'],
    ['collections', 'defaultdict'],
    ['torch._utils', '_rebuild_tensor_v2'],
    ['torch._utils', '_rebuild_parameter'],
    ['torch._utils', '_rebuild_qtensor'],
    ['torch._tensor', '_rebuild_from_type_v2'],
    ['torch', 'FloatStorage'],
    ['torch', 'UntypedStorage'],
    ['torch', 'Size'],
    ['torch', 'float32'],
    ['torch', 'device'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['numpy._core.multiarray', '_reconstruct'],
    ['numpy.core.multiarray', 'scalar'],
    ['numpy', 'dtype'],
    ['joblib.numpy_pickle', 'NumpyArrayWrapper'],
    ['argparse', 'Namespace'],
    ['uuid', 'UUID'],
    ['pathlib', 'PosixPath'],
    ['torch.storage', '_load_from_bytes'],
  ];
  it.each(legitimate)('%s.%s is allowed', (module, name) => {
    expect(classifyGlobal(module, name)).toMatchObject({ verdict: 'allowed' });
  });

  it('no allowlist entry is also denied', () => {
    for (const entry of ALLOWED_GLOBALS) {
      const [module, name] = split(entry);
      expect(matchDenylist(module, name), entry).toBeUndefined();
    }
  });

  const mediumOnly: Array<[string, string, string]> = [
    ['torch.nn.modules.linear', 'Linear', 'nn-module'],
    ['__main__', 'MyModel', 'main'],
    ['__torch__.nequip.nn._graph_model', 'GraphModel', 'torchscript'],
    ['lammps.mliap.pytorch', 'TorchWrapper', 'third-party'],
    ['statsmodels.tsa.statespace.sarimax', 'SARIMAXResults', 'third-party'],
    ['logging', 'getLogger', 'third-party'],
    ['sklearn.linear_model._base', 'LinearRegression', 'third-party'],
    ['numpy', 'trace', 'third-party'],
  ];
  it.each(mediumOnly)('%s.%s is unknown (%s), never denied', (module, name, kind) => {
    expect(classifyGlobal(module, name)).toMatchObject({ verdict: 'unknown', kind });
  });

  it('the unknown-global message names the real reason', async () => {
    const bytes = new PickleWriter().proto(2).global('torch.nn.modules.linear', 'Linear').global('__main__', 'Net').stop().bytes();
    const scan = await scanPickles(bytes, ctx);
    const messages = scan.findings.map((f) => [f.code, f.severity, f.message]);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toEqual(['PICKLE_UNKNOWN_GLOBAL', 'medium', expect.stringContaining('pickles a whole nn.Module')]);
    expect(messages[1]).toEqual(['PICKLE_UNKNOWN_GLOBAL', 'medium', expect.stringContaining('(__main__)')]);
    expect(messages[2]![0]).toBe('PICKLE_STACK_NOT_EMPTY');
  });
});
