import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../../src/probes/graph/errors.js';
import { exposeTensors, inferElemType } from '../../../src/probes/graph/expose.js';
import { decodeModel } from '../../../src/probes/graph/decode.js';
import { buildModels } from './build.js';

const models = buildModels();

describe('exposeTensors', () => {
  it('adds typed graph outputs that onnxruntime runs and returns (bool gate, float probe)', async () => {
    const bytes = exposeTensors(models['greater-cast-mul-add']!, ['cond', 'mean']);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    expect(session.outputNames).toEqual(['logits', 'cond', 'mean']);
    const x = new Float32Array(2 * 256).fill(0.2);
    x.fill(1, 0, 48); // first sample: top rows white, so the 3×3 patch mean is 1
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 1, 16, 16]) });
    expect(out['cond']!.type).toBe('bool');
    expect(Array.from(out['cond']!.data as Uint8Array)).toEqual([1, 0]);
    expect(Array.from(out['mean']!.data as Float32Array).map((v) => Math.round(v * 100) / 100)).toEqual([1, 0.2]);
    await session.release();
  });

  it('keeps the rest of the model byte for byte and the original outputs first', () => {
    const original = models['where']!;
    const exposed = decodeModel(exposeTensors(original, ['cond2']));
    const before = decodeModel(original);
    expect(exposed.graph.nodes.length).toBe(before.graph.nodes.length);
    expect(exposed.graph.outputs.map((o) => o.name)).toEqual(['logits', 'cond2']);
    expect(exposed.graph.outputs[1]!.elemType).toBe(9);
  });

  it('infers element types from op semantics when no value_info exists', () => {
    const g = decodeModel(models['sub-mul-relu-saturation']!).graph;
    expect(inferElemType(g, 'step')).toBe(1);
    const cast = decodeModel(models['greater-cast-mul-add']!).graph;
    expect(inferElemType(cast, 'cond')).toBe(9);
    expect(inferElemType(cast, 'condf')).toBe(1);
  });

  it('is a copy when every name is already an output', () => {
    const original = models['clean-mlp']!;
    expect(Buffer.from(exposeTensors(original, ['logits'])).equals(Buffer.from(original))).toBe(true);
  });

  it('refuses names no main-graph node produces (typed error)', () => {
    expect(() => exposeTensors(models['clean-mlp']!, ['no-such-tensor'])).toThrow(GraphError);
    try {
      exposeTensors(models['comparison-inside-if']!, ['icond']);
    } catch (error) {
      expect((error as GraphError).code).toBe('GRAPH_UNKNOWN_TENSOR');
    }
    expect(() => exposeTensors(models['comparison-inside-if']!, ['icond'])).toThrow(/no main-graph node produces it/);
  });
});
