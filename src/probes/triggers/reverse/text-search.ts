import type { CleanBaseline, GoldenSet, ProbeProfile, ProbeThresholds } from '../../types.js';
import type { Evaluator } from '../evaluator.js';
import { labelsOf, selectInputs } from '../inputs.js';
import type { Rng } from '../rng.js';
import type { StageProgress } from '../stage.js';
import { commonTokens, groupTestingPool } from '../text/candidates.js';
import { measureTokenTrigger } from '../text/evidence.js';
import { groupTest } from '../text/group-testing.js';
import { INSERT_POSITIONS, type InsertPosition, type TokenSpace } from '../text/tokens.js';
import type { Depth } from './image-search.js';

export const REVERSE_TEXT_LIMITS: Record<Depth, { pool: number; positions: readonly InsertPosition[]; maxHits: number }> = {
  standard: { pool: 4096, positions: ['start', 'end'], maxHits: 5 },
  deep: { pool: 16384, positions: INSERT_POSITIONS, maxHits: 10 },
};
const INPUTS = 128;
const SCREEN_INPUTS = 16;

/** Reverse-engineering for token-id models: group testing over candidate tokens, bisection, verification. */
export async function reverseEngineerText(
  o: { ev: Evaluator; s: TokenSpace; golden: GoldenSet; baseline: CleanBaseline; profile: ProbeProfile; thresholds: ProbeThresholds; rng: Rng; depth: Depth },
  progress: StageProgress,
): Promise<void> {
  const { ev, s, golden, profile, rng } = o;
  const limits = REVERSE_TEXT_LIMITS[o.depth];
  const indices = selectInputs(golden, o.baseline, INPUTS, rng.fork('inputs'));
  const labels = labelsOf(golden, indices);
  const screen = indices.slice(0, SCREEN_INPUTS);
  const groupSize = Math.max(1, Math.min(8, Math.floor(s.sequenceLength / 4)));
  // Shrink the pool when the budget left cannot test every group and still verify the hits.
  const verification = limits.maxHits * (7 * indices.length + 24 * screen.length);
  const perGroup = screen.length * limits.positions.length;
  const affordableGroups = Math.floor((ev.remaining() - verification) / perGroup) - 4;
  const pool = groupTestingPool(s, rng.fork('pool'), Math.max(groupSize * 16, Math.min(limits.pool, affordableGroups * groupSize)));
  const common = commonTokens(s, 100);
  progress.details['pool'] = pool.length;
  progress.details['groupSize'] = groupSize;
  progress.details['variants'] = Math.ceil(pool.length / groupSize) * limits.positions.length;
  progress.details['madIndex'] = `not computed for text (group testing reports tokens, not sizes per class)`;
  const gt = await groupTest({
    ev,
    s,
    indices: screen,
    labels: labels.slice(0, screen.length),
    classCount: profile.classCount,
    pool,
    groupSize,
    positions: limits.positions,
    common,
    rng: rng.fork('group-controls'),
    threshold: 0.5,
    maxHits: limits.maxHits,
  });
  Object.assign(progress.details, { groupsTried: gt.groupsTried, flaggedGroups: gt.flaggedGroups, hits: gt.hits });
  const mrng = rng.fork('controls');
  for (const hit of gt.hits) {
    const e = await measureTokenTrigger(
      { ev, s, indices, labels, classCount: profile.classCount, common, rng: mrng },
      hit.tokens,
      hit.position,
      'token-group',
      hit.target,
    );
    e.params['foundBy'] = 'group-testing';
    progress.evidence.push(e);
  }
}
