import type { Finding } from '../core/finding.js';
import { describeError } from '../core/errors.js';
import { TimeLimitError, withDeadline } from './deadline.js';
import type { ProbeParts } from './parts.js';
import type { ProbesPolicy } from './policy.js';
import { BudgetExhaustedError, ProbeRuntimeError, oneLine } from './runtime/errors.js';
import { describeTrigger, FindingSink, stageFindings } from './stage-findings.js';
import { readTokenizer, type TokenizerRead } from './tokenizer.js';
import { withTokenizer, withWords } from './triggers/text/vocabulary.js';
import type { CleanBaseline, Classifier, GoldenSet, ModelProbeReport, ProbeProfile, StageName, StageResult } from './types.js';

/**
 * Sessions run in a worker thread so that a pass that never ends (a Loop with a hostile trip count)
 * is abandoned after a deadline instead of hanging the check.
 */
function isolated(timeLimitMs: number): { isolation: 'worker'; runTimeoutMs: number } {
  return { isolation: 'worker', runTimeoutMs: Math.max(1000, Math.min(60_000, timeLimitMs)) };
}

/**
 * Batches of about 1M input values (4 MiB of float32), between 16 and 512 samples: large enough that the
 * worker's per-message cost vanishes on tiny models, small enough to bound memory on large inputs.
 */
export function workerBatchSize(profile: ProbeProfile): number {
  const perSample = profile.sampleShape.reduce((a, b) => a * b, 1);
  return Math.max(16, Math.min(512, Math.floor((1 << 20) / Math.max(1, perSample))));
}

/** What the caller resolved once for the whole target. */
export interface ModelProbeContext<A> {
  parts: ProbeParts<A>;
  policy: ProbesPolicy;
  /** The golden set, or why there is none usable ('none' when no set was named). */
  golden: { set: GoldenSet } | { missing: 'none' | 'invalid' };
  /** Bytes of the trusted reference model (probes.reference_model), when the policy names one. */
  reference?: Uint8Array;
  /** The model file's folder: its tokenizer files (tokenizer.json, vocab.txt, ...) name text triggers. */
  modelDir?: string;
  now?: () => number;
}

export interface ModelProbeOutcome {
  report: ModelProbeReport;
  findings: Finding[];
}

const DYNAMIC_ORDER: StageName[] = ['golden', 'gate-confirmation', 'known-triggers', 'reverse-engineering'];

/** Why a stage could not run: the note's code when probes are optional, and a one-line reason. */
interface CannotRun {
  cause: 'PROBE_UNPROBEABLE' | 'PROBE_INFERENCE_FAILED' | 'PROBE_BUDGET_EXHAUSTED' | 'PROBE_GOLDEN_INVALID';
  reason: string;
}

function stage(name: StageName, status: StageResult['status'], summary: string, extra: Partial<StageResult> = {}): StageResult {
  return { stage: name, status, outcome: 'none', summary, passes: 0, durationMs: 0, details: {}, ...extra };
}

function classifyError(error: unknown, stageName: StageName): CannotRun {
  if (error instanceof BudgetExhaustedError) return { cause: 'PROBE_BUDGET_EXHAUSTED', reason: `${stageName}: ${error.message}` };
  if (error instanceof TimeLimitError) return { cause: 'PROBE_BUDGET_EXHAUSTED', reason: `${stageName}: ${error.message}` };
  if (error instanceof ProbeRuntimeError) return { cause: 'PROBE_INFERENCE_FAILED', reason: `${stageName}: ${error.code}: ${oneLine(error)}` };
  return { cause: 'PROBE_INFERENCE_FAILED', reason: `${stageName}: ${oneLine(describeError(error))}` };
}

/**
 * Probes one ONNX model: static graph analysis always; then, when a golden set is available or the
 * policy requires probes, golden set, gate confirmation, known triggers and reverse-engineering,
 * stopping early once a stage finds backdoor evidence ('fail').
 */
export async function probeModel<A>(file: string, model: Uint8Array, ctx: ModelProbeContext<A>): Promise<ModelProbeOutcome> {
  const { parts, policy } = ctx;
  const now = ctx.now ?? Date.now;
  const started = now();
  const deadline = started + policy.timeLimitMs;
  const sink = new FindingSink(file, policy.warningsDeny);
  const stages: StageResult[] = [];
  const problems: CannotRun[] = [];
  const wanted = (name: StageName) => policy.stages.includes(name);
  const tokenizer: TokenizerRead = ctx.modelDir !== undefined
    ? await readTokenizer(ctx.modelDir).catch((error: unknown) => ({ note: `tokenizer not used: ${oneLine(describeError(error))}` }))
    : null;
  const tokenizerSpecials = tokenizer !== null && 'tokenizer' in tokenizer ? tokenizer.tokenizer.specialIds : [];

  // 1. Static graph analysis: every model, every policy, no inference.
  let analysis: A | undefined;
  let gates: string[] = [];
  const graphStart = now();
  try {
    // The pad id (default 0) is always special: padding masks compare token ids with it.
    const specialTokenIds = [...new Set([...(policy.hints.specialTokenIds ?? []), policy.hints.padId ?? 0, ...tokenizerSpecials])];
    analysis = parts.analyseGraph(model, {
      specialTokenIds,
      ...(policy.hints.inputName ? { dataInputs: [policy.hints.inputName] } : {}),
    });
    gates = parts.flaggedGates(analysis);
    const graph = parts.graphStageResult(analysis);
    stages.push({ ...graph, durationMs: graph.durationMs || now() - graphStart });
    stageFindings(sink, graph, gates);
  } catch (error) {
    const reason = oneLine(describeError(error));
    stages.push(stage('graph', 'failed', `static analysis could not read the graph: ${reason}`, { durationMs: now() - graphStart }));
    sink.add('PROBE_GRAPH_UNANALYSED', `static graph analysis failed: ${reason}`, { reason });
  }

  let profile: ProbeProfile | null = null;
  let unprobeable: string | undefined;
  const dynamicWanted = policy.required || !('missing' in ctx.golden && ctx.golden.missing === 'none');
  const dynamic = DYNAMIC_ORDER.filter(wanted);

  const skipRest = (status: StageResult['status'], summary: string) => {
    for (const name of dynamic) if (!stages.some((s) => s.stage === name)) stages.push(stage(name, status, summary));
  };

  if (!dynamicWanted) {
    skipRest('skipped', 'no golden set given (probes.golden or --golden) and probes are not required');
  } else {
    let inferred: ProbeProfile | { unprobeable: string };
    try {
      inferred = parts.inferProfile(model, policy.hints);
    } catch (error) {
      inferred = { unprobeable: `the model's signature cannot be read: ${oneLine(describeError(error))}` };
    }
    if ('unprobeable' in inferred) {
      unprobeable = inferred.unprobeable;
      problems.push({ cause: 'PROBE_UNPROBEABLE', reason: inferred.unprobeable });
      skipRest('not-applicable', `not probed dynamically: ${inferred.unprobeable}`);
    } else {
      profile = withTokenizer(inferred, tokenizer);
      await runDynamic(profile);
    }
  }

  async function runDynamic(profile: ProbeProfile): Promise<void> {
    if ('missing' in ctx.golden) {
      const reason = ctx.golden.missing === 'none' ? 'no golden set: set probes.golden or pass --golden' : 'the golden set could not be read';
      problems.push({ cause: ctx.golden.missing === 'none' ? 'PROBE_UNPROBEABLE' : 'PROBE_GOLDEN_INVALID', reason });
      skipRest('skipped', reason);
      return;
    }
    let golden: GoldenSet;
    try {
      golden = parts.fitGolden(ctx.golden.set, profile);
    } catch (error) {
      unprobeable = `golden set does not fit the model: ${oneLine(describeError(error))}`;
      problems.push({ cause: 'PROBE_UNPROBEABLE', reason: unprobeable });
      skipRest('not-applicable', unprobeable);
      return;
    }
    const budget = parts.createBudget(policy.budget);
    let classifier: Classifier;
    let reference: Classifier | undefined;
    try {
      classifier = withDeadline(await parts.openClassifier(model, profile, { budget, label: file, batchSize: workerBatchSize(profile), ...isolated(policy.timeLimitMs) }), deadline, policy.timeLimitMs, now);
      if (ctx.reference) reference = withDeadline(await parts.openClassifier(ctx.reference, profile, { budget, label: 'reference model', batchSize: workerBatchSize(profile), ...isolated(policy.timeLimitMs) }), deadline, policy.timeLimitMs, now);
    } catch (error) {
      const problem: CannotRun = { cause: 'PROBE_INFERENCE_FAILED', reason: oneLine(error) };
      problems.push(problem);
      skipRest('failed', problem.reason);
      return;
    }
    try {
      let baseline: CleanBaseline | undefined;
      let stoppedBy: StageResult | undefined;
      for (const name of dynamic) {
        if (stoppedBy) {
          stages.push(stage(name, 'skipped', `stopped early: ${stoppedBy.stage} found backdoor evidence`));
          continue;
        }
        if (name !== 'golden' && !baseline) {
          stages.push(stage(name, 'skipped', 'needs the golden stage, which did not complete'));
          if (!problems.length) problems.push({ cause: 'PROBE_UNPROBEABLE', reason: `${name}: needs the golden stage (not in probes.stages)` });
          continue;
        }
        if (name === 'gate-confirmation' && (gates.length === 0 || analysis === undefined)) {
          stages.push(stage(name, 'not-applicable', 'no statically flagged gate to confirm'));
          continue;
        }
        const t0 = now();
        const p0 = budget.used();
        try {
          if (now() > deadline) throw new TimeLimitError(policy.timeLimitMs);
          let result: StageResult;
          if (name === 'golden') {
            const out = await parts.runGoldenStage({
              classifier, golden, budget, thresholds: policy.thresholds,
              ...(policy.claimedAccuracy !== null ? { claimedAccuracy: policy.claimedAccuracy } : {}),
              ...(reference ? { reference } : {}),
            });
            result = out.result;
            if (out.result.status === 'ran') baseline = out.baseline;
          } else {
            const common = { classifier, golden, baseline: baseline!, budget, thresholds: policy.thresholds };
            if (name === 'gate-confirmation')
              result = await parts.confirmGates({
                model, analysis: analysis!, profile, golden, baseline: baseline!, budget, thresholds: policy.thresholds,
                runTimeoutMs: isolated(policy.timeLimitMs).runTimeoutMs, deadline: { at: deadline, limitMs: policy.timeLimitMs },
              });
            else if (name === 'known-triggers') result = await parts.runKnownTriggers(common);
            else result = await parts.runReverseEngineering({ ...common, depth: policy.depth });
          }
          result = { ...result, passes: result.passes || budget.used() - p0, durationMs: result.durationMs || now() - t0 };
          if (tokenizer !== null && 'tokenizer' in tokenizer) result = withWords(result, tokenizer.tokenizer);
          // A stage that caught the deadline error itself reports 'failed'; it is the time limit, not the model.
          if (result.status === 'failed' && now() > deadline) result = { ...result, status: 'budget-exhausted', summary: `time limit of ${Math.round(policy.timeLimitMs / 1000)} s reached: ${result.summary}` };
          stages.push(result);
          stageFindings(sink, result, gates);
          if (result.status === 'budget-exhausted') problems.push({ cause: 'PROBE_BUDGET_EXHAUSTED', reason: `${name}: ${result.summary}` });
          else if (result.status === 'failed') problems.push({ cause: 'PROBE_INFERENCE_FAILED', reason: `${name}: ${result.summary}` });
          if (result.outcome === 'fail') stoppedBy = result;
        } catch (error) {
          const problem = classifyError(error, name);
          problems.push(problem);
          const status = problem.cause === 'PROBE_BUDGET_EXHAUSTED' ? 'budget-exhausted' : 'failed';
          stages.push(stage(name, status, problem.reason, { passes: budget.used() - p0, durationMs: now() - t0 }));
        }
      }
    } finally {
      await classifier.close().catch(() => undefined);
      await reference?.close().catch(() => undefined);
    }
  }

  reportProblems(sink, policy, stages, problems);
  const passes = stages.reduce((sum, s) => sum + s.passes, 0);
  const report: ModelProbeReport = {
    file,
    profile,
    ...(unprobeable !== undefined ? { unprobeable } : {}),
    stages: orderStages(stages),
    passes,
    durationMs: now() - started,
    conclusion: conclude(stages, problems, dynamicWanted),
  };
  return { report, findings: sink.findings };
}

const ORDER: StageName[] = ['graph', ...DYNAMIC_ORDER];
function orderStages(stages: StageResult[]): StageResult[] {
  return [...stages].sort((a, b) => ORDER.indexOf(a.stage) - ORDER.indexOf(b.stage));
}

/** A stage of probes.stages that did not run to completion (early stop after backdoor evidence is not a gap). */
function isGap(s: StageResult, policy: ProbesPolicy): boolean {
  if (!policy.stages.includes(s.stage) || s.status === 'ran') return false;
  if (s.stage === 'gate-confirmation' && s.status === 'not-applicable') return false;
  return !s.summary.startsWith('stopped early');
}

/**
 * A stage that could not run is a note when probes are optional and PROBE_INCOMPLETE (denies) when
 * required. The graph stage's own failure is PROBE_GRAPH_UNANALYSED already.
 */
function reportProblems(sink: FindingSink, policy: ProbesPolicy, stages: StageResult[], problems: CannotRun[]): void {
  const gaps = stages.filter((s) => isGap(s, policy) && s.stage !== 'graph');
  const reasons = problems.length > 0 ? problems.map((p) => p.reason) : gaps.map((s) => `${s.stage}: ${s.summary}`);
  const cause = problems[0]?.cause ?? 'PROBE_UNPROBEABLE';
  const evidence = { cause, reasons, stagesNotRun: gaps.map((s) => s.stage) };
  if (policy.required) {
    if (gaps.length > 0) sink.add('PROBE_INCOMPLETE', `required probes did not run (${evidence.stagesNotRun.join(', ')}): ${reasons[0]}`, evidence);
    return;
  }
  // The golden set's own PROBE_GOLDEN_INVALID is reported once for the target, not per model.
  if (problems.length > 0 && cause !== 'PROBE_GOLDEN_INVALID') sink.add(cause, reasons[0]!, evidence);
}

function conclude(stages: StageResult[], problems: CannotRun[], dynamicWanted: boolean): string {
  const rank = (s: StageResult) => (s.outcome === 'fail' ? 2 : s.outcome === 'warn' ? 1 : 0);
  const strongest = [...stages].sort((a, b) => rank(b) - rank(a) || ORDER.indexOf(b.stage) - ORDER.indexOf(a.stage))[0];
  const what = (s: StageResult) => (s.triggers?.[0] && s.stage !== 'graph' ? describeTrigger(s.triggers[0]) : s.summary);
  if (strongest && strongest.outcome === 'fail') return `backdoor evidence (${strongest.stage}): ${what(strongest)}`;
  const graph = stages.find((s) => s.stage === 'graph' && s.outcome !== 'none');
  // A statically flagged gate is denying evidence on its own (PROBE_GRAPH_GATE), even when not confirmed.
  if (graph) return `backdoor evidence (graph, not confirmed dynamically): ${graph.summary}`;
  const ran = stages.filter((s) => s.status === 'ran').map((s) => s.stage);
  let base = `no evidence of a backdoor found (stages run: ${ran.length ? ran.join(', ') : 'none'})`;
  if (strongest && strongest.outcome === 'warn') base += `; warning (${strongest.stage}): ${what(strongest)}`;
  if (problems.length > 0) return `${base}; not every probe ran: ${problems[0]!.reason}`;
  if (!dynamicWanted) return `${base}; dynamic probes not run (no golden set)`;
  return base;
}
