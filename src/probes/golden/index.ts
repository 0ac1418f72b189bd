export { loadGoldenSet, type LoadedGoldenSet } from './load.js';
export { validateGoldenAgainstProfile } from './validate.js';
export { GoldenSetError, MAX_ARRAY_BYTES, type GoldenSetErrorCode } from './errors.js';
export { parseNpy } from './npy.js';
export { runGoldenStage, analyse as analyseGoldenPredictions, type GoldenStageOptions, type PerClassAccuracy } from './stage.js';
export { GOLDEN_RULES } from './rules.js';
