import type {
  CleanBaseline,
  Classifier,
  GoldenSet,
  ProbeBudget,
  ProbeProfile,
  ProbeThresholds,
  StageResult,
} from './types.js';
import type { ProbeHints } from './policy.js';

/**
 * The stage functions the orchestrator runs, as one explicit table: the product passes the real
 * modules (src/probes/default-parts.ts); orchestration tests pass the same real modules except where
 * a test needs a stage to fail on purpose.
 */
export interface ProbeParts<Analysis = unknown> {
  analyseGraph(model: Uint8Array, o: { specialTokenIds?: number[]; dataInputs?: string[]; maskInputs?: string[] }): Analysis;
  graphStageResult(analysis: Analysis): StageResult;
  /** Node names of the statically flagged gates and bypasses that dynamic confirmation should try (empty: nothing to confirm). */
  flaggedGates(analysis: Analysis): string[];
  confirmGates(o: {
    model: Uint8Array;
    analysis: Analysis;
    profile: ProbeProfile;
    golden: GoldenSet;
    baseline: CleanBaseline;
    budget: ProbeBudget;
    thresholds: ProbeThresholds;
    /** Per-pass limit of the gate-exposed session: a pass past it fails the stage, it never hangs. */
    runTimeoutMs?: number;
    deadline?: { at: number; limitMs: number };
  }): Promise<StageResult>;
  inferProfile(model: Uint8Array, hints: ProbeHints): ProbeProfile | { unprobeable: string };
  openClassifier(model: Uint8Array, profile: ProbeProfile, o: { budget: ProbeBudget; label: string; batchSize?: number; isolation?: 'in-process' | 'worker'; runTimeoutMs?: number }): Promise<Classifier>;
  createBudget(total: number): ProbeBudget;
  loadGoldenSet(path: string): Promise<GoldenSet>;
  /** The golden set in the profile's terms (dtype, shape); throws with the reason when it does not fit. */
  fitGolden(golden: GoldenSet, profile: ProbeProfile): GoldenSet;
  runGoldenStage(o: {
    classifier: Classifier;
    golden: GoldenSet;
    budget: ProbeBudget;
    thresholds: ProbeThresholds;
    claimedAccuracy?: number;
    reference?: Classifier;
  }): Promise<{ result: StageResult; baseline: CleanBaseline }>;
  runKnownTriggers(o: TriggerStageInput): Promise<StageResult>;
  runReverseEngineering(o: TriggerStageInput & { depth: 'standard' | 'deep' }): Promise<StageResult>;
}

export interface TriggerStageInput {
  classifier: Classifier;
  golden: GoldenSet;
  baseline: CleanBaseline;
  budget: ProbeBudget;
  thresholds: ProbeThresholds;
  seed?: number;
}
