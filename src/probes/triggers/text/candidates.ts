import { shuffled, type Rng } from '../rng.js';
import { tokenFrequencies, type TokenSpace } from './tokens.js';

function usable(s: TokenSpace, id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < s.vocabSize && !s.special.has(id);
}

/** Vocabulary candidates the golden set uses more than twice are ordinary words there, not rare. */
const MAX_GOLDEN_USES = 2;

/**
 * Candidates from the model's tokenizer: the literature's rare words (cf, mn, bb, tq, mb as the
 * vocabulary spells them) always, then the tokenizer's other short rare pieces the golden set seldom uses.
 */
export function vocabularyCandidates(s: TokenSpace): number[] {
  const ids = (s.vocabularyIds ?? []).filter((id) => usable(s, id));
  if (ids.length === 0) return [];
  const freq = tokenFrequencies(s);
  const literature = new Set(ids.filter((id) => /^(?:##|Ġ|▁)?(?:cf|mn|bb|tq|mb)$/.test(s.spelling?.get(id) ?? '')));
  return ids.filter((id) => literature.has(id) || (freq.get(id) ?? 0) <= MAX_GOLDEN_USES);
}

/**
 * Rare-token candidates: the tokenizer's rare words when the model ships one (vocabularyCandidates),
 * and always the far end of the vocabulary (where BPE/WordPiece put their rarest merges), ids the
 * golden set uses only once or twice, and random ids.
 */
export function rareTokenCandidates(s: TokenSpace, rng: Rng, o: { farEnd: number; lowFrequency: number; random: number }): number[] {
  const out = new Set<number>();
  for (let id = s.vocabSize - 1; id >= 0 && out.size < o.farEnd; id--) if (usable(s, id)) out.add(id);
  for (const id of vocabularyCandidates(s)) out.add(id);
  const freq = tokenFrequencies(s);
  const rare = shuffled(
    [...freq.entries()].filter(([id, n]) => n <= 2 && usable(s, id)).map(([id]) => id).sort((a, b) => a - b),
    rng,
  );
  for (const id of rare.slice(0, o.lowFrequency)) out.add(id);
  for (let tries = 0, added = 0; added < o.random && tries < o.random * 20; tries++) {
    const id = rng.int(s.vocabSize);
    if (usable(s, id) && !out.has(id)) {
      out.add(id);
      added++;
    }
  }
  return [...out];
}

/** The pool group testing searches: the whole vocabulary when small, else a wide rare/random sample. */
export function groupTestingPool(s: TokenSpace, rng: Rng, maxPool: number): number[] {
  const all: number[] = [];
  if (s.vocabSize <= maxPool) {
    for (let id = 0; id < s.vocabSize; id++) if (usable(s, id)) all.push(id);
    return shuffled(all, rng);
  }
  const share = Math.floor(maxPool / 3);
  const sampled = shuffled(rareTokenCandidates(s, rng, { farEnd: share * 2, lowFrequency: share / 2, random: share / 2 }), rng);
  // The vocabulary's words stay in the pool whatever the shuffle; the pool keeps its size.
  const words = vocabularyCandidates(s);
  if (words.length === 0) return sampled;
  const set = new Set(words);
  return shuffled([...words, ...sampled.filter((id) => !set.has(id))].slice(0, Math.max(maxPool, words.length)), rng);
}

/** Control tokens: common ids of the golden set (what ordinary text inserts). */
export function commonTokens(s: TokenSpace, count: number): number[] {
  const freq = tokenFrequencies(s);
  const common = [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id).filter((id) => usable(s, id));
  if (common.length > 0) return common.slice(0, count);
  const fallback: number[] = [];
  for (let id = 0; id < s.vocabSize && fallback.length < count; id++) if (usable(s, id)) fallback.push(id);
  return fallback;
}

export function pickControls(common: readonly number[], n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => common[rng.int(common.length)]!);
}
