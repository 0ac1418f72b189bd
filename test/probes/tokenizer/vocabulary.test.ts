import { describe, expect, it } from 'vitest';
import type { Tokenizer } from '../../../src/probes/tokenizer.js';
import { runKnownTriggers } from '../../../src/probes/triggers/index.js';
import { vocabularyTokens, withTokenizer, withWords } from '../../../src/probes/triggers/text/vocabulary.js';
import { DEFAULT_THRESHOLDS, type Classifier, type ProbeProfile, type StageResult } from '../../../src/probes/types.js';
import { baselineOf, createBudget, textProfile, toyTextClassifier, toyTextGolden, TEXT_VOCAB } from '../triggers/toy-models.js';

function tokenizer(spell: Record<number, string>, o: Partial<Tokenizer> = {}): Tokenizer {
  const vocab: Array<string | undefined> = Array.from({ length: TEXT_VOCAB }, (_, id) => spell[id] ?? `word${id}`);
  return { source: 'vocab.txt', kind: 'vocab-txt', vocab, specialIds: [0, 1, 2], ...o };
}

describe('vocabularyTokens', () => {
  it('finds every spelling of the literature words, leaving out special ids and ids outside the embedding', () => {
    const tok = tokenizer({ 3: 'cf', 4: '##cf', 5: 'Ġmn', 6: '▁tq', 7: 'bb', 8: 'mb', 9: '[CLS]' });
    tok.vocab[1200] = '##mb';
    const v = vocabularyTokens(tok, { vocabSize: TEXT_VOCAB, special: new Set([0, 1, 2, 7]) });
    expect(v.known).toEqual([
      { word: 'cf', ids: [3, 4], spellings: ['cf', '##cf'] },
      { word: 'mn', ids: [5], spellings: ['Ġmn'] },
      { word: 'tq', ids: [6], spellings: ['▁tq'] },
      { word: 'mb', ids: [8], spellings: ['mb'] },
    ]);
  });

  it('lists short lowercase pieces rarest first: highest id, or lowest unigram score', () => {
    const spell = { 100: 'zq', 900: '##qx', 950: 'ab', 960: 'Ab', 970: 'abcde' };
    const byId = vocabularyTokens(tokenizer(spell), { vocabSize: TEXT_VOCAB, special: new Set() });
    expect(byId.rare).toEqual([{ id: 950, spelling: 'ab' }, { id: 900, spelling: '##qx' }, { id: 100, spelling: 'zq' }]);
    const scores = new Float64Array(TEXT_VOCAB).fill(-5);
    scores[100] = -20;
    const byScore = vocabularyTokens(tokenizer(spell, { scores }), { vocabSize: TEXT_VOCAB, special: new Set() });
    expect(byScore.rare?.[0]).toEqual({ id: 100, spelling: 'zq' });
  });

  it('merges declared special ids into the profile, or records why the tokenizer was not used', () => {
    const profile = textProfile();
    const merged = withTokenizer(profile, { tokenizer: tokenizer({ 3: 'cf' }, { specialIds: [0, 5, 5000] }) });
    expect(merged.text?.specialTokenIds).toEqual([0, 1, 2, 5]);
    expect(merged.text?.tokens?.known[0]).toMatchObject({ word: 'cf', ids: [3] });
    expect(withTokenizer(profile, { note: 'tokenizer not used: x' }).text?.tokenizerNote).toBe('tokenizer not used: x');
    expect(withTokenizer(profile, null)).toBe(profile);
  });

  it('spells trigger tokens from the whole vocabulary in stage results', () => {
    const result: StageResult = {
      stage: 'reverse-engineering', status: 'ran', outcome: 'fail', summary: '', passes: 0, durationMs: 0, details: {},
      triggers: [{ family: 'token-group', params: { tokens: [42, 77777] }, targetClass: 1, asr: 1, inputs: 60, sourceClasses: 3, controlAsr: 0, pValue: 0, size: 2 }],
    };
    expect(withWords(result, tokenizer({ 42: 'tq' })).triggers![0]!.params['words']).toEqual(['tq', null]);
  });
});

/** The toy text model behind a profile that carries the tokenizer's words. */
function withProfile(c: Classifier, profile: ProbeProfile): Classifier {
  return { profile, get passes() { return c.passes; }, classify: (x, n) => c.classify(x, n), predict: (x, n) => c.predict(x, n), close: () => c.close() };
}

describe('known text triggers with a vocabulary', () => {
  // Id 455 is in the middle of the vocabulary and never in the golden set: only the tokenizer points at it.
  const backdoor = (ids: number[]) => (ids.includes(455) ? 1 : undefined);
  async function known(profile: ProbeProfile) {
    const budget = createBudget(20_000);
    const classifier = withProfile(toyTextClassifier(budget, backdoor), profile);
    const golden = toyTextGolden(40);
    const baseline = await baselineOf(classifier, golden);
    return runKnownTriggers({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS });
  }

  it('misses a mid-vocabulary word trigger without a tokenizer', async () => {
    const r = await known(textProfile());
    expect(r.outcome).toBe('none');
  });

  it('finds it as the word cf when the tokenizer spells id 455 so', async () => {
    const r = await known(withTokenizer(textProfile(), { tokenizer: tokenizer({ 455: 'cf' }) }));
    expect(r.outcome).toBe('fail');
    expect(r.triggers![0]!.params).toMatchObject({ tokens: [455], words: ['cf'] });
    expect(r.details['vocabulary']).toMatchObject({ knownWords: ['cf'] });
  });

  it('finds a rare piece the tokenizer offers beyond the literature words', async () => {
    const r = await known(withTokenizer(textProfile(), { tokenizer: tokenizer({ 455: 'qzx' }) }));
    expect(r.outcome).toBe('fail');
    expect(r.triggers![0]!.params).toMatchObject({ tokens: [455], words: ['qzx'] });
  });
});
