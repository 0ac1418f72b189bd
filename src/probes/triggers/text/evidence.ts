import type { TriggerEvidence } from '../../types.js';
import { predictBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import { compareWithControls } from '../judge.js';
import type { Rng } from '../rng.js';
import { bestTarget, flipsTo } from '../scoring.js';
import { pickControls } from './candidates.js';
import { insertedBatch, insertTokens, type InsertPosition, type TokenSpace } from './tokens.js';

export const TEXT_CONTROLS = 6;

/** A token trigger measured on `indices` beside controls of as many common tokens at the same position. */
export async function measureTokenTrigger(
  o: { ev: Evaluator; s: TokenSpace; indices: readonly number[]; labels: Int32Array; classCount: number; common: readonly number[]; rng: Rng },
  tokens: readonly number[],
  position: InsertPosition,
  family: 'rare-token' | 'token-group',
  target?: number,
): Promise<TriggerEvidence> {
  const { ev, s, indices, labels } = o;
  const controlTokens = Array.from({ length: TEXT_CONTROLS }, () => pickControls(o.common, tokens.length, o.rng));
  const batches = [insertedBatch(s, indices, tokens, position), ...controlTokens.map((c) => insertedBatch(s, indices, c, position))];
  const [predicted, ...controls] = await predictBatches(ev, batches, indices.length);
  const main = target === undefined ? bestTarget(labels, predicted!, o.classCount) : flipsTo(labels, predicted!, target);
  const cmp = compareWithControls(main, labels, controls);
  const shown = indices.findIndex((_, i) => labels[i] !== main.target && predicted![i] === main.target);
  const evidence: TriggerEvidence = {
    family,
    params: { tokens: [...tokens], ...wordsOf(s, tokens), position, controls: cmp.controls, controlTokens },
    targetClass: main.target,
    asr: main.asr,
    inputs: main.eligible,
    sourceClasses: main.sourceClasses,
    controlAsr: cmp.controlAsr,
    pValue: cmp.pValue,
    size: tokens.length,
    preview: { tokens: [...tokens] },
  };
  if (shown >= 0) evidence.example = { tokens: insertTokens(s, s.rows[indices[shown]!]!, tokens, position) };
  return evidence;
}

/** `words`: how the model's tokenizer spells each token (null where it names none), when it names any. */
function wordsOf(s: TokenSpace, tokens: readonly number[]): { words?: Array<string | null> } {
  const words = tokens.map((t) => s.spelling?.get(t) ?? null);
  return words.some((w) => w !== null) ? { words } : {};
}
