import type { PlainValue } from '../pickle/facts.js';

/** One `('storage', torch.XStorage, key, location, numel[, view])` persistent id, as torch.save writes it. */
export interface StorageRef {
  key: string;
  storageType: string;
  location: string;
  numel: number | undefined;
}

export interface PersistentIdSummary {
  storages: StorageRef[];
  /** Legacy whole-module saves: `('module', class, source_file, source)`. */
  modules: number;
  /** Anything else, described. */
  malformed: string[];
}

function asNumber(value: PlainValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'bigint' in value) {
    const n = Number(value.bigint);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

function globalName(value: PlainValue | undefined): string | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'global' in value) return value.global;
  return undefined;
}

function describe(value: PlainValue): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function summarisePersistentIds(ids: readonly PlainValue[]): PersistentIdSummary {
  const summary: PersistentIdSummary = { storages: [], modules: 0, malformed: [] };
  for (const id of ids) {
    if (!Array.isArray(id) || id.length === 0) {
      summary.malformed.push(describe(id));
      continue;
    }
    if (id[0] === 'module' && id.length === 4) {
      summary.modules++;
      continue;
    }
    const storageType = globalName(id[1]);
    const key = id[2];
    const location = id[3];
    if (id[0] !== 'storage' || id.length < 5 || storageType === undefined || typeof key !== 'string' || typeof location !== 'string') {
      summary.malformed.push(describe(id));
      continue;
    }
    summary.storages.push({ key, storageType, location, numel: asNumber(id[4]) });
  }
  return summary;
}
