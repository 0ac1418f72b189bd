import type { CleanBaseline, GoldenSet, ProbeProfile, TriggerEvidence } from '../../types.js';
import { predictBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import { labelsOf, selectInputs } from '../inputs.js';
import type { Rng } from '../rng.js';
import { bestTarget } from '../scoring.js';
import { commonTokens, rareTokenCandidates, vocabularyCandidates } from './candidates.js';
import { measureTokenTrigger } from './evidence.js';
import { INSERT_POSITIONS, insertedBatch, type InsertPosition, type TokenSpace } from './tokens.js';

export const KNOWN_TEXT_LIMITS = {
  inputs: 128,
  screenInputs: 8,
  farEnd: 200,
  lowFrequency: 30,
  random: 30,
  promoteAsr: 0.3,
  maxPromoted: 8,
  minPromoted: 2,
};

export interface KnownTextProgress {
  evidence: TriggerEvidence[];
  details: Record<string, unknown>;
}

/**
 * Rare single tokens at the start, middle and end of each input, screened on a few inputs; the
 * promising ones are measured on all inputs beside common-token controls at the same position.
 * Pairs and triples of the best screened tokens are measured too (multi-token triggers).
 */
export async function searchTextFamilies(
  o: { ev: Evaluator; s: TokenSpace; golden: GoldenSet; baseline: CleanBaseline; profile: ProbeProfile; rng: Rng },
  progress: KnownTextProgress,
): Promise<void> {
  const { ev, s, golden, profile, rng } = o;
  const indices = selectInputs(golden, o.baseline, KNOWN_TEXT_LIMITS.inputs, rng.fork('inputs'));
  const labels = labelsOf(golden, indices);
  const candidates = rareTokenCandidates(s, rng.fork('candidates'), KNOWN_TEXT_LIMITS);
  const variants: Array<{ tokens: number[]; position: InsertPosition }> = [];
  for (const id of candidates) for (const position of INSERT_POSITIONS) variants.push({ tokens: [id], position });
  Object.assign(progress.details, { inputs: indices.length, candidateTokens: candidates.length, variants: variants.length });
  const tokens = profile.text?.tokens;
  if (tokens !== undefined) {
    progress.details['vocabulary'] = {
      source: tokens.source,
      knownWords: tokens.known.map((k) => k.word),
      candidates: vocabularyCandidates(s).length,
    };
  }

  const screenIdx = indices.slice(0, Math.min(KNOWN_TEXT_LIMITS.screenInputs, indices.length));
  const screenLabels = labels.slice(0, screenIdx.length);
  const screenPred = await predictBatches(
    ev,
    variants.map((v) => insertedBatch(s, screenIdx, v.tokens, v.position)),
    screenIdx.length,
  );
  const screened = variants
    .map((v, i) => ({ v, asr: bestTarget(screenLabels, screenPred[i]!, profile.classCount).asr }))
    .sort((a, b) => b.asr - a.asr);
  progress.details['screened'] = variants.length;
  progress.details['bestScreenAsr'] = screened[0]?.asr ?? 0;

  const promoted = screened
    .filter((x, i) => i < KNOWN_TEXT_LIMITS.minPromoted || x.asr >= KNOWN_TEXT_LIMITS.promoteAsr)
    .slice(0, KNOWN_TEXT_LIMITS.maxPromoted)
    .map((x) => x.v);
  // Multi-token triggers: the best distinct screened tokens together, at the best one's position.
  const top = [...new Set(screened.map((x) => x.v.tokens[0]!))].slice(0, 3);
  if (top.length >= 2) promoted.push({ tokens: top.slice(0, 2), position: screened[0]!.v.position });
  if (top.length >= 3) promoted.push({ tokens: top, position: screened[0]!.v.position });
  progress.details['promoted'] = promoted.length;

  const common = commonTokens(s, 100);
  const mrng = rng.fork('controls');
  for (const v of promoted) {
    progress.evidence.push(
      await measureTokenTrigger({ ev, s, indices, labels, classCount: profile.classCount, common, rng: mrng }, v.tokens, v.position, 'rare-token'),
    );
  }
}
