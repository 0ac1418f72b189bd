export { analyseGraph } from './analyse.js';
export { graphStageFailure, graphStageResult, isStrongGate } from './stage.js';
export { exposeTensors, inferElemType } from './expose.js';
export { confirmGates, type ConfirmOptions, type GateConfirmation } from './confirm.js';
export { GraphError, type GraphErrorCode } from './errors.js';
export type {
  AnalyseOptions, ConfigSwitch, FlaggedBypass, FlaggedGate, GateRule, GraphAnalysis, StaticRegion,
} from './types.js';
