import type { GoldenSet, ProbeProfile } from '../../types.js';
import type { SampleBatch } from '../evaluator.js';
import { spellingsOf, vocabularyCandidateIds } from './vocabulary.js';

export type InsertPosition = 'start' | 'middle' | 'end';
export const INSERT_POSITIONS: readonly InsertPosition[] = ['start', 'middle', 'end'];

/** How token rows are read, edited and written back for one text profile. */
export interface TokenSpace {
  sequenceLength: number;
  vocabSize: number;
  padId: number;
  /** Declared special ids and the pad id: never used as triggers, kept in place when inserting. */
  special: Set<number>;
  rows: number[][];
  kind: 'int64' | 'int32';
  /** Candidate ids from the model's tokenizer (literature words first, then rare pieces); empty without one. */
  vocabularyIds?: number[];
  /** How the tokenizer spells the ids it named (evidence shows the word). */
  spelling?: Map<number, string>;
}

export class TextSetupError extends Error {
  readonly code = 'TRIGGER_PROFILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TextSetupError';
  }
}

export function tokenSpace(profile: ProbeProfile, golden: GoldenSet): TokenSpace {
  const text = profile.text;
  if (profile.task !== 'text-classification' || text === undefined) throw new TextSetupError('text trigger search needs a text profile');
  const T = text.sequenceLength;
  if (!(Number.isInteger(T) && T > 0 && Number.isInteger(text.vocabSize) && text.vocabSize > 1)) {
    throw new TextSetupError(`text profile has invalid sequence length ${T} or vocabulary size ${text.vocabSize}`);
  }
  if (golden.inputs instanceof Float32Array) throw new TextSetupError('text golden inputs must be integer token ids');
  const rows: number[][] = [];
  for (let i = 0; i < golden.count; i++) {
    const row: number[] = new Array(T);
    for (let j = 0; j < T; j++) row[j] = Number(golden.inputs[i * T + j]!);
    rows.push(row);
  }
  return {
    sequenceLength: T,
    vocabSize: text.vocabSize,
    padId: text.padId,
    special: new Set([...text.specialTokenIds, text.padId]),
    rows,
    kind: golden.inputs instanceof BigInt64Array ? 'int64' : 'int32',
    vocabularyIds: vocabularyCandidateIds(text.tokens),
    spelling: spellingsOf(text.tokens),
  };
}

/**
 * Inserts `tokens` into a row at a position among its content tokens (after leading special tokens,
 * before trailing special tokens and padding). The row keeps its length: padding is consumed first,
 * then original content is dropped from the end; inserted tokens are always kept.
 */
export function insertTokens(s: TokenSpace, row: readonly number[], tokens: readonly number[], position: InsertPosition): number[] {
  let lead = 0;
  while (lead < row.length && s.special.has(row[lead]!) && row[lead] !== s.padId) lead++;
  let end = row.length;
  while (end > lead && s.special.has(row[end - 1]!)) end--;
  const content = row.slice(lead, end);
  const trail = row.slice(end);
  const at = position === 'start' ? 0 : position === 'end' ? content.length : Math.floor(content.length / 2);
  const before = content.slice(0, at);
  const after = content.slice(at);
  const trailSpecial = trail.filter((t) => t !== s.padId);
  let pads = trail.length - trailSpecial.length;
  let excess = lead + content.length + tokens.length + trail.length - s.sequenceLength;
  const drop = Math.min(pads, Math.max(0, excess));
  pads -= drop;
  excess -= drop;
  while (excess > 0 && after.length > 0) {
    after.pop();
    excess--;
  }
  while (excess > 0 && before.length > 0) {
    before.pop();
    excess--;
  }
  const out = [...row.slice(0, lead), ...before, ...tokens, ...after, ...trailSpecial, ...new Array<number>(pads).fill(s.padId)];
  return out.slice(0, s.sequenceLength);
}

export function rowsToBatch(s: TokenSpace, rows: readonly number[][]): SampleBatch {
  const T = s.sequenceLength;
  if (s.kind === 'int64') {
    const out = new BigInt64Array(rows.length * T);
    rows.forEach((r, i) => r.forEach((t, j) => (out[i * T + j] = BigInt(t))));
    return out;
  }
  const out = new Int32Array(rows.length * T);
  rows.forEach((r, i) => out.set(r, i * T));
  return out;
}

/** A batch of the listed golden rows with the tokens inserted. */
export function insertedBatch(s: TokenSpace, indices: readonly number[], tokens: readonly number[], position: InsertPosition): SampleBatch {
  return rowsToBatch(
    s,
    indices.map((i) => insertTokens(s, s.rows[i]!, tokens, position)),
  );
}

/** How often each non-special id occurs in the golden rows. */
export function tokenFrequencies(s: TokenSpace): Map<number, number> {
  const freq = new Map<number, number>();
  for (const row of s.rows) for (const t of row) if (!s.special.has(t)) freq.set(t, (freq.get(t) ?? 0) + 1);
  return freq;
}
