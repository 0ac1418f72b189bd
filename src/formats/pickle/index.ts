export { PICKLE_CODES, type PickleCode } from './codes.js';
export type { PickleCall, PickleFacts, PickleImport, PlainValue } from './facts.js';
export { pickleScanner } from './scanner.js';
export { scanPickles, type PickleScan, type PickleScanOptions } from './scan.js';
export { isTorchLegacyMagic, looksLikePickle } from './sniff.js';
export { classifyGlobal, type Classification } from './classify.js';
export { ALLOWED_GLOBALS } from './allowlist.js';
export { DENIED_PATHS, matchDenylist } from './denylist.js';
