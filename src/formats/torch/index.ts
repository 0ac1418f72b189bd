export { TORCH_CODES } from './codes.js';
export { torchLegacyScanner, scanTorchLegacy, LEGACY_MAGIC, LEGACY_PROTOCOL, type TorchLegacyFacts } from './legacy.js';
export { checkTorchZip, type TorchZipFacts } from './zip-checks.js';
export { storageElementSize } from './storage-types.js';
export { summarisePersistentIds, type StorageRef } from './persistent-ids.js';
