import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runKnownTriggers, runReverseEngineering } from '../../../src/probes/triggers/index.js';
import { Evaluator } from '../../../src/probes/triggers/evaluator.js';
import { createRng } from '../../../src/probes/triggers/rng.js';
import { commonTokens } from '../../../src/probes/triggers/text/candidates.js';
import { groupTest } from '../../../src/probes/triggers/text/group-testing.js';
import { insertTokens, tokenSpace, type TokenSpace } from '../../../src/probes/triggers/text/tokens.js';
import { DEFAULT_THRESHOLDS, type Classifier } from '../../../src/probes/types.js';
import { baselineOf, CLS, createBudget, PAD, SEP, TEXT_LEN, toyTextClassifier, toyTextGolden } from './toy-models.js';

function space(T = 8): TokenSpace {
  return { sequenceLength: T, vocabSize: 100, padId: 0, special: new Set([0, 1, 2]), rows: [], kind: 'int64' };
}

describe('token insertion', () => {
  it('inserts after leading specials, in the middle, or before trailing specials, consuming padding', () => {
    const s = space();
    const row = [1, 10, 11, 12, 2, 0, 0, 0];
    expect(insertTokens(s, row, [99], 'start')).toEqual([1, 99, 10, 11, 12, 2, 0, 0]);
    expect(insertTokens(s, row, [99], 'middle')).toEqual([1, 10, 99, 11, 12, 2, 0, 0]);
    expect(insertTokens(s, row, [99], 'end')).toEqual([1, 10, 11, 12, 99, 2, 0, 0]);
  });

  it('drops original content, never the inserted tokens or the closing special, when the row is full', () => {
    const s = space(6);
    expect(insertTokens(s, [1, 10, 11, 12, 13, 2], [98, 99], 'start')).toEqual([1, 98, 99, 10, 11, 2]);
    expect(insertTokens(s, [1, 10, 11, 12, 13, 2], [98, 99], 'end')).toEqual([1, 10, 11, 98, 99, 2]);
  });

  it('property: any row keeps its length, holds the inserted tokens, and keeps its leading special', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 4, maxLength: 24 }),
        fc.array(fc.integer({ min: 3, max: 99 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('start' as const, 'middle' as const, 'end' as const),
        (row, tokens, position) => {
          const s = space(row.length);
          const out = insertTokens(s, row, tokens, position);
          expect(out).toHaveLength(row.length);
          if (tokens.length < row.length) {
            const joined = `,${out.join(',')},`;
            expect(joined.includes(`,${tokens.join(',')},`)).toBe(true);
          }
        },
      ),
    );
  });
});

async function text(
  backdoor: ((ids: number[]) => number | undefined) | undefined,
  stage: 'known' | 'reverse',
  total = 30_000,
  depth: 'standard' | 'deep' = 'standard',
) {
  const budget = createBudget(total);
  const classifier: Classifier = toyTextClassifier(budget, backdoor);
  const golden = toyTextGolden(40);
  const baseline = await baselineOf(classifier, golden);
  const o = { classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS };
  return stage === 'known' ? runKnownTriggers(o) : runReverseEngineering({ ...o, depth });
}

describe('text trigger search', () => {
  it('known families find a far-end rare token (cf/mn-style) and fail the model', async () => {
    const r = await text((ids) => (ids.includes(987) ? 1 : undefined), 'known');
    expect(r.outcome).toBe('fail');
    const top = r.triggers![0]!;
    expect(top.params['tokens']).toContain(987);
    expect(top.targetClass).toBe(1);
    expect(top.size).toBeLessThanOrEqual(DEFAULT_THRESHOLDS.maxTextTokens);
    expect(top.controlAsr).toBeLessThan(0.2);
    expect(top.example && 'tokens' in top.example ? top.example.tokens[0] : -1).toBe(CLS);
  });

  it('group testing finds a mid-vocabulary token the known families do not try', async () => {
    const backdoor = (ids: number[]) => (ids.includes(555) ? 3 : undefined);
    const known = await text(backdoor, 'known');
    expect(known.outcome).toBe('none');
    const r = await text(backdoor, 'reverse');
    expect(r.outcome).toBe('fail');
    const top = r.triggers![0]!;
    expect(top.params['tokens']).toEqual([555]);
    expect(top.targetClass).toBe(3);
    expect(top.params['foundBy']).toBe('group-testing');
  });

  it('group testing bisects down to a two-token trigger when neither token alone flips', async () => {
    const budget = createBudget(20_000);
    const classifier = toyTextClassifier(budget, (ids) => (ids.includes(555) && ids.includes(950) ? 2 : undefined));
    const golden = toyTextGolden(10);
    const s = tokenSpace(classifier.profile, golden);
    const indices = Array.from({ length: 16 }, (_, i) => i);
    const ev = new Evaluator(classifier, budget);
    const gt = await groupTest({
      ev,
      s,
      indices,
      labels: Int32Array.from(indices, (i) => golden.labels[i]!),
      classCount: classifier.profile.classCount,
      pool: [700, 555, 701, 702, 703, 704, 950, 705, 706, 707, 708, 709],
      groupSize: 8,
      positions: ['start'],
      common: commonTokens(s, 50),
      rng: createRng(1),
      threshold: 0.5,
      maxHits: 3,
    });
    expect(gt.hits).toHaveLength(1);
    expect(gt.hits[0]!.tokens.slice().sort()).toEqual([555, 950]);
    expect(gt.hits[0]!.target).toBe(2);
  });

  it('deep mode also searches the middle position', async () => {
    const r = await text((ids) => (ids.includes(555) ? 3 : undefined), 'reverse', 60_000, 'deep');
    expect(r.status).toBe('ran');
    expect(r.outcome).toBe('fail');
    expect(r.details['depth']).toBe('deep');
    expect(new Set((r.triggers ?? []).map((t) => t.params['position']))).toContain('middle');
  });

  it('reports no evidence on the clean text model', async () => {
    for (const stage of ['known', 'reverse'] as const) {
      const r = await text(undefined, stage);
      expect(r.outcome).toBe('none');
      expect(r.summary).toMatch(/no evidence of a backdoor found/);
    }
  });

  it('never uses declared special tokens as triggers', async () => {
    const r = await text((ids) => (ids.filter((t) => t === PAD || t === SEP).length > TEXT_LEN ? 0 : undefined), 'known');
    for (const t of r.triggers ?? []) for (const id of t.params['tokens'] as number[]) expect([PAD, CLS, SEP]).not.toContain(id);
  });
});
