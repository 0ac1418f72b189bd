import type {
  CleanBaseline,
  Classifier,
  GoldenSet,
  ProbeBudget,
  ProbeThresholds,
  StageName,
  StageOutcome,
  StageResult,
  TriggerEvidence,
} from '../types.js';
import { describeEvidence } from './describe.js';
import { BudgetExhaustedError } from '../runtime/errors.js';
import { BudgetExhausted, Evaluator } from './evaluator.js';
import { judgeTrigger, rankEvidence, worstOutcome } from './judge.js';
import { createRng, DEFAULT_SEED, type Rng } from './rng.js';

export interface TriggerStageOptions {
  classifier: Classifier;
  golden: GoldenSet;
  baseline: CleanBaseline;
  budget: ProbeBudget;
  thresholds: ProbeThresholds;
  seed?: number;
  /** Golden image samples are already normalised with the profile's mean/std (default: raw pixels). */
  inputsNormalised?: boolean;
}

/** What a stage body has found so far; kept when the budget runs out mid-way. */
export interface StageProgress {
  evidence: TriggerEvidence[];
  details: Record<string, unknown>;
  /** Reasons for a warning that are not a single trigger (e.g. a MAD outlier class). */
  warnings: string[];
}

export interface StageContext {
  ev: Evaluator;
  rng: Rng;
  o: TriggerStageOptions;
}

/** Thrown by a stage body when the stage does not apply to this model (wrong task, nothing to start from). */
export class StageNotApplicable extends Error {
  constructor(
    message: string,
    readonly status: 'not-applicable' | 'skipped' = 'not-applicable',
  ) {
    super(message);
    this.name = 'StageNotApplicable';
  }
}

const MAX_REPORTED_TRIGGERS = 10;
/** Only the strongest few triggers carry their preview and example images (reports stay small). */
const MAX_PREVIEWS = 3;

function withoutImages(e: TriggerEvidence): TriggerEvidence {
  const { preview: _p, example: _e, ...rest } = e;
  return rest;
}

/** Runs a trigger stage body with timing, budget accounting, a clean budget stop and the decision. */
export async function runTriggerStage(
  stage: StageName,
  o: TriggerStageOptions,
  body: (ctx: StageContext, progress: StageProgress) => Promise<void>,
): Promise<StageResult> {
  const started = Date.now();
  const ev = new Evaluator(o.classifier, o.budget);
  const progress: StageProgress = { evidence: [], details: {}, warnings: [] };
  const base = (status: StageResult['status'], outcome: StageOutcome, summary: string): StageResult => ({
    stage,
    status,
    outcome,
    summary,
    passes: ev.spent,
    durationMs: Date.now() - started,
    details: { ...progress.details, passes: ev.spent, seed: o.seed ?? DEFAULT_SEED },
  });
  const problem = checkInputs(o);
  if (problem !== undefined) return base('failed', 'none', problem);
  let status: StageResult['status'] = 'ran';
  try {
    await body({ ev, rng: createRng(o.seed ?? DEFAULT_SEED), o }, progress);
  } catch (error) {
    if (error instanceof BudgetExhausted || error instanceof BudgetExhaustedError) status = 'budget-exhausted';
    else if (error instanceof StageNotApplicable) return base(error.status, 'none', error.message);
    else return base('failed', 'none', `${stage} could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ranked = rankEvidence(progress.evidence, o.thresholds);
  const outcomes = ranked.map((e) => judgeTrigger(e, o.thresholds));
  const outcome = worstOutcome([...outcomes, ...(progress.warnings.length > 0 ? (['warn'] as const) : [])]);
  const result = base(status, outcome, summarise(stage, status, outcome, ranked, outcomes, progress, ev.spent));
  result.triggers = ranked.slice(0, MAX_REPORTED_TRIGGERS).map((e, i) => (i < MAX_PREVIEWS ? e : withoutImages(e)));
  result.details['outcomes'] = outcomes.slice(0, MAX_REPORTED_TRIGGERS);
  if (progress.warnings.length > 0) result.details['warnings'] = progress.warnings;
  return result;
}

function summarise(
  stage: StageName,
  status: StageResult['status'],
  outcome: StageOutcome,
  ranked: TriggerEvidence[],
  outcomes: StageOutcome[],
  progress: StageProgress,
  passes: number,
): string {
  const prefix = status === 'budget-exhausted' ? `budget exhausted after ${passes} passes; so far ` : '';
  const top = ranked[0];
  if (outcome !== 'none' && top !== undefined && outcomes[0] !== 'none') {
    return `${prefix}${outcome === 'fail' ? 'backdoor trigger found' : 'suspicious trigger'}: ${describeEvidence(top)}`;
  }
  if (outcome === 'warn') return `${prefix}suspicious: ${progress.warnings[0] ?? 'weak trigger evidence'}`;
  const tried = typeof progress.details['variants'] === 'number' ? `${progress.details['variants']} variants tried` : `${passes} passes`;
  const best = top === undefined ? '' : `; strongest: ${describeEvidence(top)}`;
  return `${prefix}no evidence of a backdoor found by ${stage} (${tried}${best})`;
}

function checkInputs(o: TriggerStageOptions): string | undefined {
  const p = o.classifier.profile;
  const per = p.sampleShape.reduce((a, b) => a * b, 1);
  if (o.golden.inputs.length !== o.golden.count * per) {
    return `golden set ${o.golden.source} holds ${o.golden.inputs.length} values, expected ${o.golden.count} x ${per}`;
  }
  if (o.golden.labels.length !== o.golden.count) return `golden set ${o.golden.source} has ${o.golden.labels.length} labels for ${o.golden.count} inputs`;
  if (!(p.classCount >= 2)) return `profile has ${p.classCount} classes; trigger search needs at least 2`;
  return undefined;
}
