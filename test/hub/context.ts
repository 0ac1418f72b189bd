import type { Sleep } from './body.js';
import type { FaultBook } from './faults.js';
import type { RepoStore } from './store.js';
import type { HubContent } from './types.js';

/** What every handler shares. */
export interface HubContext {
  store: RepoStore;
  faults: FaultBook;
  token: string;
  pageSize: number;
  /** Signs and checks CDN URLs. */
  secret: Buffer;
  urls: { hub: string; cdn: string; foreign: string };
  sleep: Sleep;
  /** sha256 -> bytes, for the blobs a signed CDN URL was issued for. */
  blobs: Map<string, HubContent>;
}
