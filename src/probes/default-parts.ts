import { analyseGraph } from './graph/analyse.js';
import { confirmGates } from './graph/confirm.js';
import { graphStageResult } from './graph/stage.js';
import type { GraphAnalysis } from './graph/types.js';
import { loadGoldenSet, runGoldenStage, validateGoldenAgainstProfile } from './golden/index.js';
import type { ProbeParts } from './parts.js';
import { createBudget, inferProfile, openClassifier } from './runtime/index.js';
import { runKnownTriggers, runReverseEngineering } from './triggers/index.js';

/** Every statically flagged gate and bypass entry, by node name (what gate confirmation will try). */
function flaggedGates(analysis: GraphAnalysis): string[] {
  return [...analysis.gates.map((g) => g.node), ...analysis.bypasses.map((b) => b.entry)];
}

/** The real stage modules behind the ProbeParts table. */
export function defaultParts(): ProbeParts<GraphAnalysis> {
  return {
    analyseGraph,
    graphStageResult,
    flaggedGates,
    confirmGates,
    inferProfile,
    openClassifier: (model, profile, o) => openClassifier(model, profile, o),
    createBudget,
    loadGoldenSet,
    fitGolden: validateGoldenAgainstProfile,
    runGoldenStage,
    runKnownTriggers,
    runReverseEngineering,
  };
}
