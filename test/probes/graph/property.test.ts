import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseGraph } from '../../../src/probes/graph/analyse.js';
import { GraphError } from '../../../src/probes/graph/errors.js';
import { exposeTensors } from '../../../src/probes/graph/expose.js';
import { buildModels, textModel } from './build.js';

const seeds = [...Object.values(buildModels()), textModel({ gateToken: 42 })];

/** Either a result or a typed GraphError; anything else (TypeError, RangeError, hang) fails the property. */
function outcome(run: () => unknown): 'ok' | 'refused' {
  const started = performance.now();
  try {
    run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    expect(error.code).toMatch(/^GRAPH_/);
    expect(error.message).not.toMatch(/\n/);
    return 'refused';
  } finally {
    expect(performance.now() - started).toBeLessThan(2000);
  }
}

const mutated = fc
  .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.option(fc.nat()))
  .map(([which, edits, cut]) => {
    const bytes = Uint8Array.from(seeds[which]!);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  });

describe('graph analysis on hostile bytes', () => {
  it('random bytes: returns or throws GraphError, never crashes or hangs', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      outcome(() => analyseGraph(bytes));
    }), { numRuns: 300 });
  });

  it('mutated and truncated models: returns or throws GraphError', () => {
    fc.assert(fc.property(mutated, (bytes) => {
      outcome(() => analyseGraph(bytes));
      outcome(() => exposeTensors(bytes, ['cond']));
    }), { numRuns: 300 });
  });

  it('deeply nested subgraphs are refused with GRAPH_TOO_DEEP, not a stack overflow', () => {
    // GraphProto { node { op_type "If" attribute { name "g" g <graph> type GRAPH } } }, nested 40 levels.
    const len = (n: number): number[] => { const o: number[] = []; let v = n; while (v >= 0x80) { o.push((v & 0x7f) | 0x80); v >>>= 7; } o.push(v); return o; };
    const field = (f: number, payload: number[]): number[] => [(f << 3) | 2, ...len(payload.length), ...payload];
    let g: number[] = [];
    for (let i = 0; i < 40; i++) {
      const attr = [...field(1, [0x67]), ...field(6, g), 0xa0, 0x01, 5];
      g = field(1, [...field(4, [0x49, 0x46]), ...field(5, attr)]);
    }
    const bytes = Uint8Array.from(field(7, g));
    expect(() => analyseGraph(bytes)).toThrow(GraphError);
    try {
      analyseGraph(bytes);
    } catch (error) {
      expect((error as GraphError).code).toBe('GRAPH_TOO_DEEP');
    }
  });

  it('a model without a graph is GRAPH_NO_GRAPH', () => {
    expect(() => analyseGraph(Uint8Array.from([0x08, 0x08]))).toThrow(/no graph/);
  });
});
