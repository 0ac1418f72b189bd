import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { analyseKerasConfig, hdf5Scanner, looksLikeHdf5 } from '../../src/formats/keras/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';
import { BENIGN_CONFIG, build, expectations, hdf5File, LAMBDA_CONFIG } from '../../scripts/fixtures/keras.js';

const FIXTURES = new URL('../../fixtures/models/', import.meta.url);
const at = { file: 'model.keras', location: ['config.json'] };
const ctx: ScanContext = {
  file: 'model.h5',
  location: [],
  depth: 0,
  limits: DEFAULT_LIMITS,
  scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
};
const scanBytes = (bytes: Uint8Array) => hdf5Scanner.scan(bufferSource(bytes, 'model.h5'), ctx);
const codes = (r: { findings: Array<{ code: string }> }) => r.findings.map((f) => f.code);

describe('analyseKerasConfig', () => {
  it('lists the layers of a benign Sequential model without findings', () => {
    const r = analyseKerasConfig(BENIGN_CONFIG, at);
    expect(r.findings).toEqual([]);
    expect(r.facts).toMatchObject({ modelClass: 'Sequential', layerCount: 3, lambdaLayers: [], customObjects: [] });
    expect(r.facts.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Dense']);
  });

  it('flags a Lambda layer as critical with its location', () => {
    const r = analyseKerasConfig(LAMBDA_CONFIG, at);
    const lambda = r.findings.find((f) => f.code === 'KERAS_LAMBDA_LAYER');
    expect(lambda).toMatchObject({ severity: 'critical', file: 'model.keras', location: 'config.json', evidence: { layer: 'lambda', functionType: 'lambda' } });
    expect(r.facts.lambdaLayers).toEqual(['lambda']);
  });

  it('finds Lambdas inside wrappers, nested models and Functional graphs', () => {
    const lambda = { class_name: 'Lambda', config: { name: 'hidden', function: 'x' } };
    const config = {
      class_name: 'Functional',
      config: {
        layers: [
          { class_name: 'TimeDistributed', config: { name: 'td', layer: { class_name: 'Bidirectional', config: { name: 'bi', layer: lambda } } } },
          { class_name: 'Sequential', config: { name: 'inner', layers: [{ ...lambda, config: { name: 'deeper', function: 'y' } }] } },
        ],
      },
    };
    const r = analyseKerasConfig(config, at);
    expect(r.facts.lambdaLayers.sort()).toEqual(['deeper', 'hidden']);
    expect(r.facts.layers.map((l) => l.name)).toEqual(['td', 'bi', 'hidden', 'inner', 'deeper']);
  });

  it('flags Keras 3 __lambda__ functions, dangerous modules and unsafe Keras callables', () => {
    const r = analyseKerasConfig(
      {
        module: 'keras',
        class_name: 'Functional',
        config: {
          layers: [
            { module: 'keras.layers', class_name: 'Dense', config: { name: 'd', activation: { module: 'builtins', class_name: 'function', config: 'exec', registered_name: 'function' } } },
            { module: 'keras.layers', class_name: 'Activation', config: { name: 'a', activation: { class_name: '__lambda__', config: { code: 'AAAA' } } } },
            { module: 'keras.config', class_name: 'enable_unsafe_deserialization', config: {} },
            { module: 'keras.utils', class_name: 'get_file', config: { origin: 'http://x', fname: '/root/.bashrc' } },
          ],
        },
      },
      at,
    );
    expect(codes(r)).toEqual(expect.arrayContaining(['KERAS_DANGEROUS_MODULE', 'KERAS_UNSAFE_CALLABLE', 'KERAS_LAMBDA_LAYER']));
    expect(r.findings.find((f) => f.code === 'KERAS_DANGEROUS_MODULE')!.evidence).toMatchObject({ module: 'builtins', name: 'exec' });
    const unsafe = r.findings.filter((f) => f.code === 'KERAS_UNSAFE_CALLABLE').map((f) => f.evidence.callable);
    expect(unsafe).toEqual(expect.arrayContaining(['exec', 'enable_unsafe_deserialization', 'get_file']));
  });

  it('reports custom objects outside keras as medium and keeps keras namespaces quiet', () => {
    const r = analyseKerasConfig(
      {
        module: 'keras',
        class_name: 'Sequential',
        config: {
          layers: [
            { module: 'my_project.layers', class_name: 'Fancy', config: { name: 'f' }, registered_name: 'my_project>Fancy' },
            { module: 'keras.src.layers.core.dense', class_name: 'Dense', config: { name: 'd' }, registered_name: null },
            { module: 'keras_hub.src.models', class_name: 'Backbone', config: { name: 'b' }, registered_name: 'keras_hub>Backbone' },
          ],
        },
      },
      at,
    );
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([
      ['KERAS_CUSTOM_OBJECT', 'medium'],
      ['KERAS_CUSTOM_OBJECT', 'medium'],
    ]);
    expect(r.facts.customObjects).toEqual(['my_project.layers.Fancy', 'my_project>Fancy']);
  });

  it('grades TFOpLambda by the TensorFlow symbol it calls', () => {
    const op = (fn: string) => analyseKerasConfig({ class_name: 'Functional', config: { layers: [{ class_name: 'TFOpLambda', config: { name: 'op', function: fn } }] } }, at);
    expect(op('math.add').findings.map((f) => [f.code, f.severity])).toEqual([['KERAS_TFOP_LAMBDA', 'low']]);
    expect(op('io.write_file').findings.map((f) => [f.code, f.severity])).toEqual([['KERAS_TFOP_LAMBDA_RISKY', 'high']]);
    expect(codes(op('raw_ops.ReadFile'))).toEqual(['KERAS_TFOP_LAMBDA_RISKY']);
  });

  it('rejects non-objects and stops on configs that nest too deeply', () => {
    expect(codes(analyseKerasConfig([1, 2], at))).toEqual(['KERAS_CONFIG_INVALID']);
    let deep: unknown = {};
    for (let i = 0; i < 300; i++) deep = { config: deep };
    expect(codes(analyseKerasConfig(deep, at))).toEqual(['KERAS_CONFIG_TOO_LARGE']);
  });

  it('never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(Array.isArray(analyseKerasConfig(value, at).findings)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('hdf5 scanner', () => {
  it('reads model_config stored as a fixed-length string', async () => {
    const r = await scanBytes(hdf5File([{ name: 'keras_version', value: '2.15.0' }, { name: 'model_config', value: JSON.stringify(BENIGN_CONFIG) }]));
    expect(r.findings).toEqual([]);
    expect(r.facts).toMatchObject({ superblockVersion: 0, objectHeaderVersion: 1, kerasVersion: '2.15.0', rootAttributes: ['keras_version', 'model_config'] });
    expect(r.facts.keras?.layerCount).toBe(3);
  });

  it('reads model_config stored as a variable-length string in the global heap', async () => {
    const r = await scanBytes(hdf5File([{ name: 'model_config', value: JSON.stringify(LAMBDA_CONFIG), vlen: true }]));
    expect(codes(r)).toContain('KERAS_LAMBDA_LAYER');
    expect(r.findings.find((f) => f.code === 'KERAS_LAMBDA_LAYER')!.location).toBe('model_config');
  });

  it('analyses training_config too', async () => {
    const training = { loss: { module: 'os', class_name: 'function', config: 'system', registered_name: 'function' } };
    const r = await scanBytes(hdf5File([{ name: 'training_config', value: JSON.stringify(training) }]));
    expect(codes(r)).toEqual(expect.arrayContaining(['KERAS_DANGEROUS_MODULE', 'KERAS_UNSAFE_CALLABLE', 'HDF5_NO_MODEL_CONFIG']));
  });

  it('finds the superblock after a user block', async () => {
    const r = await scanBytes(hdf5File([{ name: 'model_config', value: JSON.stringify(LAMBDA_CONFIG) }], 1024));
    expect(r.facts.superblockOffset).toBe(1024);
    expect(codes(r)).toContain('KERAS_LAMBDA_LAYER');
  });

  it('flags duplicate attributes, invalid JSON and duplicate JSON keys', async () => {
    const dup = await scanBytes(hdf5File([{ name: 'model_config', value: JSON.stringify(BENIGN_CONFIG) }, { name: 'model_config', value: JSON.stringify(LAMBDA_CONFIG) }]));
    expect(codes(dup)).toEqual(expect.arrayContaining(['HDF5_DUPLICATE_ATTRIBUTE', 'KERAS_LAMBDA_LAYER']));
    expect(codes(await scanBytes(hdf5File([{ name: 'model_config', value: '{"class_name": ' }])))).toEqual(['KERAS_CONFIG_INVALID']);
    const twice = await scanBytes(hdf5File([{ name: 'model_config', value: '{"class_name":"Lambda","class_name":"Dense","config":{}}' }]));
    expect(codes(twice)).toEqual(['KERAS_CONFIG_INVALID']);
  });

  it('reports files without a model config as info only', async () => {
    const r = await scanBytes(hdf5File([]));
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['HDF5_NO_MODEL_CONFIG', 'info']]);
  });

  it('fails closed on damaged structures', async () => {
    const good = hdf5File([{ name: 'model_config', value: JSON.stringify(LAMBDA_CONFIG), vlen: true }]);
    expect(codes(await scanBytes(good.subarray(0, 120)))).toEqual(['HDF5_MALFORMED']);
    const badVersion = Buffer.from(good);
    badVersion[8] = 7;
    expect(codes(await scanBytes(badVersion))).toEqual(['HDF5_UNSUPPORTED']);
    const loop = Buffer.from(good);
    // Point the root object header at the superblock: not an object header.
    loop.writeBigUInt64LE(0n, 64);
    expect(codes(await scanBytes(loop))).toEqual(['HDF5_UNSUPPORTED']);
    const noHeap = Buffer.from(good.subarray(0, good.length - 4096));
    expect(codes(await scanBytes(noHeap))).toEqual(['HDF5_MALFORMED']);
  });

  it('sniffs the signature at 0 and 512', () => {
    expect(looksLikeHdf5(hdf5File([]))).toBe(true);
    expect(looksLikeHdf5(hdf5File([], 512))).toBe(true);
    expect(looksLikeHdf5(Buffer.alloc(600))).toBe(false);
  });

  it('mutations of a valid file never throw', async () => {
    const base = hdf5File([{ name: 'model_config', value: JSON.stringify(LAMBDA_CONFIG).slice(0, 200) + '"}}', vlen: true }]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), async (edits) => {
        const bytes = Buffer.from(base);
        for (const [i, v] of edits) bytes[i] = v;
        const r: FormatReport<object> = await scanBytes(bytes);
        expect(r.format).toBe('hdf5');
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (tail) => {
        const r = await scanBytes(Buffer.concat([base.subarray(0, 8), tail]));
        expect(r.format).toBe('hdf5');
      }),
      { numRuns: 300 },
    );
  });
});

describe('keras fixtures', () => {
  it('each .h5 fixture yields its expected codes and verdict class', async () => {
    await build(new URL('.', FIXTURES).pathname);
    for (const e of expectations.filter((x) => x.format === 'hdf5')) {
      const r = await scanBytes(await readFile(new URL(e.path, FIXTURES)));
      for (const code of e.mustInclude) expect(codes(r), e.path).toContain(code);
      expect(r.findings.some((f) => ['critical', 'high', 'medium'].includes(f.severity)), e.path).toBe(e.verdict === 'DENY');
    }
  });
});
