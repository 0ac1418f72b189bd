import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { expectations, fixtureBytes } from '../../scripts/fixtures/pickle.js';
import type { Finding } from '../../src/core/finding.js';
import { atLeast } from '../../src/core/severity.js';
import { isTorchLegacyMagic, scanPickles } from '../../src/formats/pickle/index.js';
import { DEFAULT_LIMITS, type FormatReport, type NestedReport, type ScanContext } from '../../src/formats/types.js';

const REAL = new URL('../../../shared/realmodels/', import.meta.url);

/** Stand-in for dispatch: legacy torch streams get their 5 pickles, everything else is a pickle stream. */
function context(file: string, location: string[] = [], depth = 0): ScanContext {
  return {
    file,
    location,
    depth,
    limits: DEFAULT_LIMITS,
    async scanNested(source, label): Promise<FormatReport> {
      const bytes = await source.read(0, source.size);
      const legacy = isTorchLegacyMagic(bytes);
      const scan = await scanPickles(bytes, context(file, [...location, label], depth + 1), legacy ? { maxPickles: 5, allowTrailing: true } : {});
      return { format: legacy ? 'pytorch-legacy' : 'pickle', facts: scan.facts as unknown as Record<string, unknown>, findings: scan.findings, children: scan.children };
    },
  };
}

function allFindings(findings: Finding[], children: NestedReport[]): Finding[] {
  return [...findings, ...children.flatMap((c) => allFindings(c.report.findings, c.report.children))];
}

describe('pickle fixtures', () => {
  const files = fixtureBytes();

  it('are deterministic and small', () => {
    const again = fixtureBytes();
    for (const [name, bytes] of files) {
      expect(again.get(name)?.equals(bytes), name).toBe(true);
      expect(bytes.length, name).toBeLessThan(4096);
    }
    expect(expectations.length).toBe(files.size);
  });

  it.each(expectations.map((e) => [e.path, e] as const))('%s', async (path, expectation) => {
    const bytes = files.get(path.replace(/^pickle\//, ''))!;
    const scan = await scanPickles(bytes, context(path));
    const findings = allFindings(scan.findings, scan.children);
    const found = new Set(findings.map((f) => f.code));
    for (const code of expectation.mustInclude) expect(found, `${path} should report ${code}`).toContain(code);
    const verdict = findings.some((f) => atLeast(f.severity, 'medium')) ? 'DENY' : 'APPROVE';
    expect(verdict, `${path}: ${[...found].join(', ')}`).toBe(expectation.verdict);
  });

  it('the memo bomb fixture finishes in milliseconds', async () => {
    const started = performance.now();
    await scanPickles(files.get('family29_memo_bomb.pkl')!, context('bomb'));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('the joblib fixture skips exactly the inline array (alignment byte included)', async () => {
    const scan = await scanPickles(files.get('benign_joblib_aligned.pkl')!, context('joblib'));
    expect(scan.facts.joblibArrays).toEqual([{ offset: expect.any(Number), bytes: 24, dtype: 'f8', shape: [3], inlinePickle: false }]);
    expect(scan.results[0]).toEqual([{ call: 'joblib.numpy_pickle.NumpyArrayWrapper', args: [], state: expect.anything() }, 7]);
  });
});

describe('real models', () => {
  const read = (path: string): Promise<Buffer> => readFile(new URL(path, REAL));
  const serious = (findings: Finding[]): Finding[] => findings.filter((f) => atLeast(f.severity, 'high'));

  it('joblib 0.11 pickle parses fully across its inline arrays', async () => {
    const bytes = await read('python3-joblib/joblib_0.11.0_pickle_py36_np111.pkl');
    const scan = await scanPickles(bytes, context('joblib'));
    expect(scan.complete).toBe(true);
    expect(scan.end).toBe(bytes.length);
    expect(scan.findings).toEqual([]);
    expect(scan.facts.joblibArrays?.map((a) => [a.dtype, a.shape, a.inlinePickle])).toEqual([
      ['i8', [5], false],
      ['f8', [5], false],
      ['O8', [3], true],
      ['i8', [1, 3], false],
    ]);
  });

  it('pepsickle: 164 _load_from_bytes storages, each a clean legacy torch stream', async () => {
    const scan = await scanPickles(await read('python3-pepsickle/trained_model_dict.pickle'), context('pepsickle'));
    expect(scan.complete).toBe(true);
    expect(scan.children).toHaveLength(164);
    expect(scan.findings.map((f) => [f.code, f.evidence.count])).toEqual([['PICKLE_NESTED_PICKLE', 164]]);
    expect(serious(allFindings(scan.findings, scan.children))).toEqual([]);
  });

  it('whole-object pickles get medium unknown-global findings only', async () => {
    const jax = await scanPickles(await read('lammps-examples/mliap_jax.pkl'), context('jax'));
    expect(jax.findings.map((f) => [f.code, f.severity, f.evidence.kind])).toEqual([
      ['PICKLE_UNKNOWN_GLOBAL', 'medium', 'third-party'],
      ['PICKLE_UNKNOWN_GLOBAL', 'medium', 'main'],
    ]);
    const sm = await scanPickles(await read('python3-statsmodels/sm-0.9-sarimax.pkl'), context('sm'));
    expect(sm.complete).toBe(true);
    expect(new Set(sm.findings.map((f) => f.code))).toEqual(new Set(['PICKLE_UNKNOWN_GLOBAL']));
  });

  it('legacy torch.save files: 5 pickles, module classes as medium, storages after `end`', async () => {
    const bytes = await read('lammps-examples/relu1hidden.mliap.pytorch.model.pt');
    expect(isTorchLegacyMagic(bytes)).toBe(true);
    const scan = await scanPickles(bytes, context('relu'), { maxPickles: 5, allowTrailing: true });
    expect(scan.facts.pickles).toHaveLength(5);
    expect(scan.results[1]).toBe(1001);
    expect(scan.end).toBeLessThan(bytes.length);
    expect(serious(scan.findings)).toEqual([]);
    expect(scan.findings.filter((f) => f.evidence.kind === 'nn-module').length).toBeGreaterThanOrEqual(3);
    const small = await read('golang-github-nlpodyssey-gopickle-dev/tensor_float32_proto2.pt');
    const tensor = await scanPickles(small, context('t'), { maxPickles: 5, allowTrailing: true });
    expect(tensor.findings).toEqual([]);
    expect(tensor.facts.persistentIds).toEqual([['storage', { global: 'torch.FloatStorage' }, '94282293536288', 'cpu', 4, null]]);
    expect(tensor.results[4]).toEqual(['94282293536288']);
  });
});
