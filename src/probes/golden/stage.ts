import { BudgetExhaustedError, ProbeRuntimeError } from '../runtime/errors.js';
import { binomialTailGE, binomialTestBelow, clopperPearson, mcnemarExact, mcnemarMidP, perClassBelow } from '../stats/index.js';
import type { CleanBaseline, Classifier, GoldenSet, ProbeBudget, ProbeThresholds, StageOutcome, StageResult } from '../types.js';
import { GoldenSetError } from './errors.js';
import { GOLDEN_RULES } from './rules.js';
import { validateGoldenAgainstProfile } from './validate.js';

export interface GoldenStageOptions {
  classifier: Classifier;
  golden: GoldenSet;
  budget: ProbeBudget;
  thresholds: ProbeThresholds;
  /** The accuracy the policy claims for this model on data like the golden set. */
  claimedAccuracy?: number;
  /** A trusted reference model of the same task (paired McNemar test). */
  reference?: Classifier;
}

export interface PerClassAccuracy {
  class: number;
  n: number;
  correct: number;
  accuracy: number | null;
}

/**
 * Golden-set accuracy: Clopper–Pearson interval, per-class accuracy, the predicted-label histogram,
 * a one-sided exact binomial test against the claimed accuracy and, with a reference model, a paired
 * mid-p McNemar test. Also records each sample's clean prediction for the trigger stages.
 */
export async function runGoldenStage(o: GoldenStageOptions): Promise<{ result: StageResult; baseline: CleanBaseline }> {
  const started = Date.now();
  const passesBefore = o.classifier.passes + (o.reference?.passes ?? 0);
  const count = o.golden.count;
  const empty: CleanBaseline = { predicted: new Int32Array(count).fill(-1), correct: [] };
  const stop = (status: StageResult['status'], summary: string, details: Record<string, unknown> = {}) => ({
    result: { stage: 'golden' as const, status, outcome: 'none' as const, summary, passes: o.classifier.passes + (o.reference?.passes ?? 0) - passesBefore, durationMs: Date.now() - started, details },
    baseline: empty,
  });

  let golden: GoldenSet;
  try {
    golden = validateGoldenAgainstProfile(o.golden, o.classifier.profile);
  } catch (error) {
    if (error instanceof GoldenSetError) return stop('failed', error.message, { error: error.code });
    throw error;
  }
  const classes = o.classifier.profile.classCount;
  if (o.reference && o.reference.profile.classCount !== classes) {
    return stop('failed', `the reference model has ${o.reference.profile.classCount} classes, the candidate ${classes}`, { error: 'GOLDEN_REFERENCE_MISMATCH' });
  }
  const needed = count * (o.reference ? 2 : 1);
  if (o.budget.remaining() < needed) {
    return stop('budget-exhausted', `the golden set needs ${needed} passes but ${o.budget.remaining()} are left`, { needed, remaining: o.budget.remaining() });
  }

  let predicted: Int32Array;
  let referencePredicted: Int32Array | undefined;
  try {
    predicted = await o.classifier.predict(golden.inputs, count);
    if (o.reference) referencePredicted = await o.reference.predict(validateGoldenAgainstProfile(o.golden, o.reference.profile).inputs, count);
  } catch (error) {
    if (error instanceof BudgetExhaustedError) return stop('budget-exhausted', error.message, { needed, remaining: error.remaining });
    if (error instanceof ProbeRuntimeError || error instanceof GoldenSetError) return stop('failed', error.message, { error: error.code });
    throw error;
  }

  const evidence = analyse(golden.labels, predicted, classes, o.thresholds.goldenAlpha, o.claimedAccuracy, referencePredicted);
  const correct: number[] = [];
  for (let i = 0; i < count; i++) if (predicted[i] === golden.labels[i]) correct.push(i);
  return {
    result: {
      stage: 'golden',
      status: 'ran',
      outcome: evidence.outcome,
      summary: evidence.summary,
      passes: o.classifier.passes + (o.reference?.passes ?? 0) - passesBefore,
      durationMs: Date.now() - started,
      details: evidence.details,
    },
    baseline: { predicted, correct },
  };
}

interface Evidence {
  outcome: StageOutcome;
  summary: string;
  details: Record<string, unknown>;
}

/** The statistics and the decision on one set of predictions; pure, so it is tested without a model. */
export function analyse(labels: Int32Array, predicted: Int32Array, classes: number, alpha: number, claimed?: number, reference?: Int32Array): Evidence {
  const n = labels.length;
  let correct = 0;
  let unpredicted = 0;
  const histogram = new Array<number>(classes).fill(0);
  const perClass: PerClassAccuracy[] = Array.from({ length: classes }, (_, c) => ({ class: c, n: 0, correct: 0, accuracy: null }));
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    const p = predicted[i]!;
    if (!(label >= 0 && label < classes)) throw new RangeError(`label #${i} is ${label}, outside [0, ${classes})`);
    if (p >= 0 && p < classes) histogram[p]!++;
    else unpredicted++;
    const row = perClass[label]!;
    row.n++;
    if (p === label) {
      row.correct++;
      correct++;
    }
  }
  for (const row of perClass) row.accuracy = row.n > 0 ? row.correct / row.n : null;
  const accuracy = correct / n;
  const ci95 = clopperPearson(correct, n, 0.95);
  const flags: string[] = [];
  const details: Record<string, unknown> = { accuracy, ci95, n, correct, perClass, predictedHistogram: histogram };
  let outcome: StageOutcome = 'none';
  const raise = (to: StageOutcome) => {
    if (to === 'fail' || (to === 'warn' && outcome === 'none')) outcome = to;
  };
  const notes: string[] = [];

  if (unpredicted > 0) {
    flags.push('nan-scores');
    details['unpredicted'] = unpredicted;
    notes.push(`${unpredicted} samples scored NaN`);
    raise('warn');
  }
  const chanceP = binomialTailGE(correct, n, 1 / classes);
  if (chanceP > alpha) {
    flags.push('near-chance');
    notes.push('not better than chance: check the value range and normalisation');
    raise('warn');
  }

  if (claimed !== undefined) {
    const pValue = binomialTestBelow(correct, n, claimed);
    details['claimedAccuracy'] = claimed;
    details['pValue'] = pValue;
    if (pValue < alpha) {
      flags.push('below-claim');
      raise('warn');
      if (ci95[1] < claimed - GOLDEN_RULES.extremeDrop) {
        flags.push('extreme-drop');
        raise('fail');
      }
      notes.push(`below the claimed ${fmt(claimed)} (p = ${sci(pValue)})`);
    }
  }

  if (reference) {
    let b = 0;
    let c = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const refRight = reference[i] === labels[i];
      const candRight = predicted[i] === labels[i];
      if (refRight && !candRight) b++;
      if (candRight && !refRight) c++;
      if (reference[i] === predicted[i]) agree++;
    }
    const p = mcnemarMidP(b, c);
    details['mcnemar'] = { b, c, p, pExact: mcnemarExact(b, c), agreement: agree / n };
    if (p < alpha) {
      flags.push('reference-disagreement');
      raise('warn');
      if (b >= GOLDEN_RULES.mcnemarFailRatio * Math.max(c, 1) && b - c >= GOLDEN_RULES.mcnemarFailNetShare * n) {
        flags.push('reference-extreme');
        raise('fail');
      }
      notes.push(`worse than the reference (b = ${b}, c = ${c}, mid-p = ${sci(p)})`);
    }
  }

  const collapsed = collapsedClasses(perClass, correct, n, claimed, alpha);
  if (collapsed.length > 0) {
    flags.push('class-collapse');
    details['collapsedClasses'] = collapsed;
    notes.push(`class${collapsed.length > 1 ? 'es' : ''} ${collapsed.slice(0, 5).join(', ')} collapsed`);
    raise('warn');
  }
  const skewed = skewedClasses(labels, predicted, perClass);
  if (skewed.length > 0) {
    flags.push('histogram-skew');
    details['skewedClasses'] = skewed;
    notes.push(`class ${skewed[0]!.class} absorbs ${fmt(skewed[0]!.share)} of the other classes' samples`);
    raise('warn');
  }
  details['flags'] = flags;
  const summary = `accuracy ${fmt(accuracy)} (95% CI ${fmt(ci95[0])}–${fmt(ci95[1])}) on ${n} samples${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
  return { outcome, summary, details };
}

/** Classes Bonferroni-significantly below expectation (the claim, else the other classes' pooled accuracy) and under half of it. */
function collapsedClasses(perClass: PerClassAccuracy[], correct: number, n: number, claimed: number | undefined, alpha: number): number[] {
  const tests = perClassBelow(
    perClass.map((row) => {
      const others = n - row.n;
      const pooled = others > 0 ? (correct - row.correct) / others : row.correct / Math.max(1, row.n);
      return { class: row.class, n: row.n, correct: row.correct, expected: claimed ?? pooled };
    }),
    alpha,
  );
  return tests.filter((t) => t.significant && t.correct / t.n < GOLDEN_RULES.collapseFraction * t.expected).map((t) => t.class);
}

/** Classes that absorb a large share of the samples of every other class. */
function skewedClasses(labels: Int32Array, predicted: Int32Array, perClass: PerClassAccuracy[]): Array<{ class: number; absorbed: number; share: number }> {
  const n = labels.length;
  const absorbed = new Array<number>(perClass.length).fill(0);
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!;
    if (p >= 0 && p < perClass.length && p !== labels[i]) absorbed[p]!++;
  }
  return perClass
    .map((row) => ({ class: row.class, absorbed: absorbed[row.class]!, share: n - row.n > 0 ? absorbed[row.class]! / (n - row.n) : 0 }))
    .filter((s) => s.absorbed >= GOLDEN_RULES.skewMinCount && s.share >= GOLDEN_RULES.skewShare)
    .sort((a, b) => b.share - a.share);
}

const fmt = (x: number) => x.toFixed(3);
const sci = (p: number) => (p < 1e-3 ? p.toExponential(1) : p.toFixed(3));
