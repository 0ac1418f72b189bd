export { createBudget, isMeteredBudget, type MeteredBudget } from './budget.js';
export { openClassifier, defaultThreads, DEFAULT_BATCH_SIZE, DEFAULT_RUN_TIMEOUT_MS, type ClassifierOptions } from './classifier.js';
export { BudgetExhaustedError, ProbeRuntimeError, type ProbeRuntimeErrorCode } from './errors.js';
export { inferProfile } from './profile.js';
export { isUnprobeable, type ProfileHints, type ProfileResult } from './hints.js';
export { argmaxRows } from './argmax.js';
export type { InputArray } from './feeds.js';
export { abandonedRuns } from './worker-session.js';
