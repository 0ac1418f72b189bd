export { runKnownTriggers } from './known-triggers.js';
export { runReverseEngineering } from './reverse-engineering.js';
export { judgeTrigger, compareWithControls, isSmall, beatsControls, rankEvidence } from './judge.js';
export type { TriggerStageOptions } from './stage.js';
export { describeEvidence, describeTrigger } from './describe.js';
