/** Bytes produced on demand, for files too large to hold in memory (benchmarks serve 4 x 512 MiB). */
export interface HubLazyContent {
  readonly size: number;
  /** Returns exactly `length` bytes at `offset` (the server never asks past `size`). */
  read(offset: number, length: number): Buffer | Promise<Buffer>;
  /** Precomputed digests; without them the server hashes the content once, on first use. */
  readonly sha256?: string;
  readonly gitSha1?: string;
}

export type HubContent = Buffer | HubLazyContent;

export interface HubFile {
  path: string;
  content: HubContent;
  /** Served by 302 to the CDN origin, with `X-Linked-Etag` = sha256 and `X-Linked-Size`. */
  lfs?: boolean;
}

export interface HubRepo {
  /** 'org/name' */
  id: string;
  /** 40-hex commit sha -> full file list at that commit. */
  commits: Record<string, HubFile[]>;
  /** 'main', 'v1.0', 'refs/pr/1' -> commit sha. */
  refs: Record<string, string>;
  /** Files need a valid token: 401 GatedRepo without one, 403 GatedRepo with a wrong one. The API stays public. */
  gated?: boolean;
  /** Everything needs a valid token: 401 RepoNotFound otherwise (ambiguous, as the real hub). */
  private?: boolean;
}

export type HubFault =
  | { kind: 'status'; status: number; times: number; on?: 'api' | 'resolve' | 'cdn'; path?: string; retryAfter?: number }
  | { kind: 'drop-mid-body'; path: string; afterBytes: number; times?: number }
  | { kind: 'stall'; path: string; afterBytes: number; ms: number; times?: number }
  | { kind: 'wrong-bytes'; path: string }
  | { kind: 'wrong-sha'; path: string }
  | { kind: 'truncate'; path: string; bytes: number }
  | { kind: 'extra-tree-entry'; path: string; content?: Buffer }
  | { kind: 'redirect-foreign'; path: string }
  | { kind: 'no-repo-commit-header'; path?: string }
  | { kind: 'range-ignored'; path: string };

export type HubOrigin = 'hub' | 'cdn' | 'foreign';

export interface HubRequest {
  origin: HubOrigin;
  method: string;
  /** Absolute URL as received (path and query still percent-encoded). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Hub {
  url: string;
  cdnUrl: string;
  foreignUrl: string;
  token: string;
  addRepo(repo: HubRepo): void;
  fault(fault: HubFault): void;
  clearFaults(): void;
  requests: HubRequest[];
  foreignAuthorizations(): string[];
  close(): Promise<void>;
}

export interface StartHubOptions {
  token?: string;
  /** Tree entries per page before a `Link: <...>; rel="next"` (default 1000). */
  pageSize?: number;
}
