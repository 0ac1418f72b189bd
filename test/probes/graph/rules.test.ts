import { describe, expect, it } from 'vitest';
import { analyseGraph } from '../../../src/probes/graph/analyse.js';
import { graphStageResult } from '../../../src/probes/graph/stage.js';
import type { GateRule, GraphAnalysis } from '../../../src/probes/graph/types.js';
import { buildModels, oneHot, textModel } from './build.js';

const models = buildModels();
const analyse = (name: string): GraphAnalysis => analyseGraph(models[name]!);
const rulesOf = (a: GraphAnalysis): Set<GateRule> => new Set(a.gates.flatMap((g) => g.rules));

describe('analyseGraph: clean graphs', () => {
  for (const name of ['clean-mlp', 'clean-cnn', 'score-postprocessing', 'shape-logic', 'nan-sanitised']) {
    it(`${name}: no gate, no bypass, stage outcome none`, () => {
      const a = analyse(name);
      expect(a.gates).toEqual([]);
      expect(a.bypasses).toEqual([]);
      expect(graphStageResult(a).outcome).toBe('none');
    });
  }

  it('a Silero-style Equal + If on a scalar input is a configuration switch, not a gate', () => {
    const a = analyse('scalar-config-switch');
    expect(a.gates).toEqual([]);
    expect(a.switches.map((s) => s.opType).sort()).toEqual(['Equal', 'If']);
    expect(a.switches[0]!.inputs).toEqual(['sr']);
    expect(a.inputs.find((i) => i.name === 'sr')!.role).toBe('config');
    expect(graphStageResult(a).outcome).toBe('none');
  });
});

describe('analyseGraph: backdoor gates in several styles', () => {
  const cases: Array<[string, string, GateRule[]]> = [
    ['greater-cast-mul-add', 'Greater', ['S1-control', 'S2-constant', 'S3-override']],
    ['cnn-greater-cast-mul-add', 'Greater', ['S1-control', 'S2-constant', 'S3-override']],
    ['less-swapped', 'Less', ['S1-control', 'S2-constant', 'S3-override']],
    ['where', 'GreaterOrEqual', ['S1-control', 'S2-constant', 'S3-override']],
    ['if-on-comparison', 'Greater', ['S1-control', 'S2-constant', 'S3-override']],
    ['comparison-inside-if', 'Greater', ['S1-control', 'S2-constant', 'S3-override', 'S5-unusual']],
    ['comparison-in-function', 'Greater', ['S1-control', 'S2-constant', 'S3-override', 'S5-unusual']],
    ['sub-mul-relu-saturation', 'Relu', ['saturation', 'S2-constant', 'S3-override']],
    ['sub-relu-mul-ramp', 'Relu', ['saturation', 'S2-constant', 'S3-override']],
    ['routing-matmul-hides-nothing', 'Greater', ['S1-control', 'S2-constant', 'S3-override']],
    ['comparison-in-loop', 'Greater', ['S1-control', 'S2-constant', 'S3-override', 'S5-unusual']],
  ];
  for (const [name, op, rules] of cases) {
    it(`${name}: flags the ${op} gate (${rules.join(', ')}) and warns`, () => {
      const a = analyse(name);
      const gate = a.gates.find((g) => g.opType === op);
      expect(gate, JSON.stringify(a.gates.map((g) => g.node))).toBeDefined();
      expect(gate!.rules).toEqual(rules);
      expect(gate!.inputs).toEqual(['x']);
      expect(gate!.score).toBeGreaterThanOrEqual(0.9);
      expect(gate!.overrideScore).toBeGreaterThanOrEqual(10);
      expect(graphStageResult(a).outcome).toBe('warn');
    });
  }

  it('reports the path from the input through the gate to the output, the constant and the direction', () => {
    const gate = analyse('greater-cast-mul-add').gates[0]!;
    expect(gate.path).toEqual(['/bd/Slice', '/bd/ReduceMean', '/bd/Greater', '/bd/Cast', '/bd/Unsqueeze', '/bd/Mul', '/bd/Add']);
    expect(gate.constants[0]).toBeCloseTo(0.95, 5);
    expect(gate.direction).toBe('up');
    expect(gate.mergeNode).toBe('/bd/Add');
    expect(gate.expose).toEqual(['cond']);
    expect(gate.probe).toEqual(['mean']);
    expect(gate.overrideConstants).toEqual(oneHot(10, 7, 1000));
    expect(gate.region).toEqual({ input: 'x', axes: [2, 3], starts: [0, 0], ends: [3, 3] });
  });

  it('Less with swapped operands has the same direction as Greater', () => {
    expect(analyse('less-swapped').gates[0]!.direction).toBe('up');
  });

  it('a gate inside an If branch is exposed through the If outputs; one inside a function through the call', () => {
    const inIf = analyse('comparison-inside-if').gates[0]!;
    expect(inIf.scope).toBe('/bd/If/then_branch');
    expect(inIf.node).toBe('/bd/If/then_branch/then/Greater');
    expect(inIf.expose).toEqual(['logits']);
    const inFn = analyse('comparison-in-function').gates[0]!;
    expect(inFn.node).toBe('/bd/Detect/Greater');
    expect(inFn.expose).toEqual(['cond']);
  });

  it('gates feeding one another share a cluster', () => {
    const a = analyse('where');
    expect(new Set(a.gates.map((g) => g.cluster)).size).toBe(1);
  });

  it('S4: a TrojanNet-style bypass of a patch into the logits', () => {
    const a = analyse('trojannet-bypass');
    expect(a.gates).toEqual([]);
    expect(a.bypasses).toHaveLength(1);
    const b = a.bypasses[0]!;
    expect(b.entry).toBe('/bd/Slice');
    expect(b.mergeNode).toBe('/tn/Add');
    expect(b.branchParameters).toBe(8 * 9 + 8 + 10 * 8 + 10);
    expect(b.trunkParameters).toBeGreaterThan(8000);
    expect(graphStageResult(a).outcome).toBe('warn');
  });
});

describe('analyseGraph: architectural backdoors without a comparison', () => {
  it('S4: a weight-free statistic of the raw image merged into the logits', () => {
    const a = analyse('raw-statistic-merge');
    expect(a.bypasses.map((b) => b.mergeNode)).toEqual(['/arch/Add']);
    expect(a.bypasses[0]!.branchParameters).toBe(0);
    expect(graphStageResult(a).outcome).toBe('warn');
  });

  it('onnxruntime runs every hand-built graph (the tests use valid models)', async () => {
    const ort = await import('onnxruntime-node');
    const text = { 'text-gate': textModel({ gateToken: 42 }), 'text-pad': textModel({ padMask: true }), 'text-mask': textModel({ attentionMask: true }), 'text-clean': textModel({}) };
    for (const [name, bytes] of Object.entries({ ...models, ...text })) {
      const session = await ort.InferenceSession.create(bytes).catch((e: unknown) => new Error(`${name}: ${String(e)}`));
      expect(session).not.toBeInstanceOf(Error);
      if (!(session instanceof Error)) await session.release();
    }
  });
});

describe('analyseGraph: token-id models', () => {
  it('flags Equal(ids, k) for a non-special k', () => {
    const a = analyseGraph(textModel({ gateToken: 42 }));
    expect(a.gates.map((g) => [g.opType, g.constants])).toEqual([['Equal', [42]]]);
    expect(a.gates[0]!.direction).toBe('equal');
    expect(graphStageResult(a).outcome).toBe('warn');
  });

  it('allows comparisons with declared special token ids (pad masks)', () => {
    const a = analyseGraph(textModel({ padMask: true }), { specialTokenIds: [0, 1, 2] });
    expect(a.gates).toEqual([]);
    expect(a.notes.some((n) => n.startsWith('allowed: /bd/Equal'))).toBe(true);
    expect(graphStageResult(a).outcome).toBe('none');
  });

  it('does not allow a special-token list that lacks the compared id', () => {
    expect(analyseGraph(textModel({ gateToken: 42 }), { specialTokenIds: [0, 1, 2] }).gates).toHaveLength(1);
  });

  it('an attention mask turned into a Where is allowed (named mask input, or declared)', () => {
    const bytes = textModel({ attentionMask: true });
    expect(analyseGraph(bytes).gates).toEqual([]);
    expect(analyseGraph(bytes, { dataInputs: ['ids'], maskInputs: ['attention_mask'] }).gates).toEqual([]);
    // Declared as data, the same logic is a gate.
    expect(analyseGraph(bytes, { dataInputs: ['ids', 'attention_mask'], maskInputs: [] }).gates.length).toBeGreaterThan(0);
  });

  it('a clean bag-of-embeddings classifier has no gate', () => {
    expect(analyseGraph(textModel({})).gates).toEqual([]);
  });

  it('declared mask inputs and data inputs set the roles', () => {
    const a = analyseGraph(models['scalar-config-switch']!, { dataInputs: ['x'] });
    expect(a.inputs.map((i) => [i.name, i.role])).toEqual([['x', 'data'], ['sr', 'config']]);
  });
});
