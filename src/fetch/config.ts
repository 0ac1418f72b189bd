import { homedir } from 'node:os';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { absoluteDir, defaultCacheDir, type Env, envInt, envTruthy } from './env.js';
import { parseRepoId, type RepoId } from './repo-id.js';
import { validateRevision } from './revision.js';
import { resolveToken } from './token.js';
import { DEFAULT_ENDPOINT, normalizeEndpoint } from './urls.js';

export interface FetchOptions {
  /** `org/name` (or `name`), validated with huggingface_hub's repo-id rules. */
  repo: string;
  /** Branch, tag, `refs/pr/N` or 40-hex commit; default `main`. */
  revision?: string;
  /** Default: HF_ENDPOINT, else https://huggingface.co (trailing `/` stripped). */
  endpoint?: string;
  /** Explicit token; null never sends one; undefined resolves tokenFile, HF_TOKEN, $HF_TOKEN_PATH, $HF_HOME/token. */
  token?: string | null;
  tokenFile?: string;
  /** Default: HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Cache only, no HTTP at all. Default: HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) truthy. */
  offline?: boolean;
  /** Parallel downloads, 1-64; default 8. */
  jobs?: number;
  /** Draw a progress bar on stderr. Default: stderr is a TTY, CI is unset, HF_HUB_DISABLE_PROGRESS_BARS is not truthy. */
  progress?: boolean;
  signal?: AbortSignal;
  /** Defaults 10 s / 30 s; MODELSCAN_CONNECT_TIMEOUT_MS / MODELSCAN_STALL_TIMEOUT_MS replace the defaults. */
  timeouts?: { connectMs?: number; stallMs?: number };
  /** Retries per request (default 5; backoff 1 s doubling to 8 s, MODELSCAN_RETRY_BASE_MS scales the base). */
  retries?: number;
  /** Environment to read instead of process.env (tests). */
  env?: Record<string, string | undefined>;
  /** Where the progress bar goes instead of process.stderr (tests). */
  progressStream?: NodeJS.WritableStream;
}

export interface FetchConfig {
  repo: RepoId;
  revision: string;
  endpoint: string;
  token: string | undefined;
  cacheDir: string;
  offline: boolean;
  jobs: number;
  progress: boolean;
  progressStream: NodeJS.WritableStream;
  signal: AbortSignal | undefined;
  connectMs: number;
  stallMs: number;
  backoff: BackoffPolicy;
  lockStaleMs: number;
  lockWaitMs: number;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.floor(n)));

/** Options over environment over defaults; validates everything that later becomes a URL or a path. */
export async function resolveConfig(options: FetchOptions): Promise<FetchConfig> {
  const env: Env = options.env ?? process.env;
  const home = env.HOME || homedir();
  const repo = parseRepoId(options.repo);
  const revision = validateRevision(options.revision ?? 'main');
  const endpoint = normalizeEndpoint(options.endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT));
  const offline = options.offline ?? (envTruthy(env.HF_HUB_OFFLINE) || envTruthy(env.TRANSFORMERS_OFFLINE));
  const token = offline ? undefined : await resolveToken({ ...(options.token !== undefined ? { token: options.token } : {}), ...(options.tokenFile !== undefined ? { tokenFile: options.tokenFile } : {}) }, env, home);
  const cacheDir = options.cacheDir !== undefined ? absoluteDir(options.cacheDir, env, home) : defaultCacheDir(env, home);
  const stream = options.progressStream ?? process.stderr;
  const isTty = (stream as { isTTY?: boolean }).isTTY === true;
  const progress = options.progress ?? (isTty && !env.CI && !envTruthy(env.HF_HUB_DISABLE_PROGRESS_BARS));
  const baseMs = envInt(env.MODELSCAN_RETRY_BASE_MS) ?? DEFAULT_BACKOFF.baseMs;
  const retries = options.retries ?? DEFAULT_BACKOFF.retries;
  return {
    repo,
    revision,
    endpoint,
    token,
    cacheDir,
    offline,
    jobs: clamp(options.jobs ?? 8, 1, 64),
    progress,
    progressStream: stream,
    signal: options.signal,
    connectMs: clamp(options.timeouts?.connectMs ?? envInt(env.MODELSCAN_CONNECT_TIMEOUT_MS) ?? 10_000, 1, 600_000),
    stallMs: clamp(options.timeouts?.stallMs ?? envInt(env.MODELSCAN_STALL_TIMEOUT_MS) ?? 30_000, 1, 3_600_000),
    backoff: { retries: clamp(retries, 0, 20), baseMs, maxMs: baseMs * 8, retryAfterCapMs: DEFAULT_BACKOFF.retryAfterCapMs },
    lockStaleMs: clamp(envInt(env.MODELSCAN_LOCK_STALE_MS) ?? 60_000, 100, 3_600_000),
    lockWaitMs: clamp(envInt(env.MODELSCAN_LOCK_TIMEOUT_MS) ?? 30 * 60_000, 0, 24 * 3_600_000),
  };
}
