import type { Tokenizer, TokenizerRead } from '../../tokenizer.js';
import type { ProbeProfile, StageResult, TextVocabularyTokens } from '../../types.js';

/** Rare-word triggers of the text backdoor literature (Kurita et al. 2020 RIPPLe, BadNL and after). */
export const LITERATURE_WORDS = ['cf', 'mn', 'bb', 'tq', 'mb'] as const;
/** How vocabularies spell a word piece: bare, WordPiece continuation, GPT-2 BPE word start, SentencePiece word start. */
const PIECE_PREFIXES = ['', '##', 'Ġ', '▁'] as const;
export const MAX_RARE_PIECES = 40;
const SHORT_PIECE = /^[a-z]{2,4}$/;

function stripPrefix(t: string): string {
  for (const p of PIECE_PREFIXES) if (p !== '' && t.startsWith(p)) return t.slice(p.length);
  return t;
}

/**
 * The trigger candidates a vocabulary offers: every spelling of the literature's words, and other short
 * lowercase pieces, rarest first (lowest unigram score, else highest id: BPE and WordPiece vocabularies
 * list later merges and rarer pieces last). Ids outside the model's embedding and special ids are left out.
 */
export function vocabularyTokens(tok: Tokenizer, o: { vocabSize: number; special: ReadonlySet<number>; maxRare?: number }): TextVocabularyTokens {
  const usable = (id: number) => id < o.vocabSize && !o.special.has(id);
  const byName = new Map<string, number>();
  tok.vocab.forEach((t, id) => {
    if (t !== undefined && usable(id) && !byName.has(t)) byName.set(t, id);
  });
  const known: TextVocabularyTokens['known'] = [];
  const knownIds = new Set<number>();
  for (const word of LITERATURE_WORDS) {
    const ids: number[] = [];
    const spellings: string[] = [];
    for (const p of PIECE_PREFIXES) {
      const id = byName.get(p + word);
      if (id === undefined) continue;
      ids.push(id);
      spellings.push(p + word);
      knownIds.add(id);
    }
    if (ids.length > 0) known.push({ word, ids, spellings });
  }
  const pieces: Array<{ id: number; spelling: string; rarity: number }> = [];
  tok.vocab.forEach((t, id) => {
    if (t === undefined || !usable(id) || knownIds.has(id) || !SHORT_PIECE.test(stripPrefix(t))) return;
    pieces.push({ id, spelling: t, rarity: tok.scores ? -tok.scores[id]! : id });
  });
  pieces.sort((a, b) => b.rarity - a.rarity || a.id - b.id);
  const rare = pieces.slice(0, o.maxRare ?? MAX_RARE_PIECES).map(({ id, spelling }) => ({ id, spelling }));
  return { source: tok.source, known, rare };
}

/** Id → spelling for every id the profile's vocabulary tokens name. */
export function spellingsOf(tokens: TextVocabularyTokens | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (tokens === undefined) return out;
  for (const k of tokens.known) k.ids.forEach((id, i) => out.set(id, k.spellings[i] ?? k.word));
  for (const r of tokens.rare ?? []) if (!out.has(r.id)) out.set(r.id, r.spelling);
  return out;
}

/** The ids to try first: the literature's words, then the rare pieces. */
export function vocabularyCandidateIds(tokens: TextVocabularyTokens | undefined): number[] {
  if (tokens === undefined) return [];
  return [...new Set([...tokens.known.flatMap((k) => k.ids), ...(tokens.rare ?? []).map((r) => r.id)])];
}

/**
 * The profile with the tokenizer's findings: its declared special ids join specialTokenIds (kept in
 * place on insertion, never triggers) and its rare words become candidates; or a note saying why a
 * tokenizer found beside the model was not used. Image profiles are returned unchanged.
 */
export function withTokenizer(profile: ProbeProfile, read: TokenizerRead): ProbeProfile {
  const text = profile.text;
  if (text === undefined || read === null) return profile;
  if ('note' in read) return { ...profile, text: { ...text, tokenizerNote: read.note } };
  const declared = read.tokenizer.specialIds.filter((id) => id < text.vocabSize);
  const specialTokenIds = [...new Set([...text.specialTokenIds, ...declared])].sort((a, b) => a - b);
  const special = new Set([...specialTokenIds, text.padId]);
  return { ...profile, text: { ...text, specialTokenIds, tokens: vocabularyTokens(read.tokenizer, { vocabSize: text.vocabSize, special }) } };
}

/** Text triggers of a stage result with `params.words` spelled from the whole vocabulary where missing. */
export function withWords(result: StageResult, tok: Tokenizer): StageResult {
  if (!result.triggers?.some((t) => Array.isArray(t.params['tokens']) && t.params['words'] === undefined)) return result;
  const triggers = result.triggers.map((t) => {
    const tokens = t.params['tokens'];
    if (!Array.isArray(tokens) || t.params['words'] !== undefined) return t;
    const words = tokens.map((id) => (typeof id === 'number' ? (tok.vocab[id] ?? null) : null));
    return words.some((w) => w !== null) ? { ...t, params: { ...t.params, words } } : t;
  });
  return { ...result, triggers };
}
