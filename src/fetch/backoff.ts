/** huggingface_hub's retry schedule: base, doubling, capped; Retry-After wins when the server sends it. */
export interface BackoffPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
  /** Upper bound on a server-requested Retry-After. */
  retryAfterCapMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { retries: 5, baseMs: 1000, maxMs: 8000, retryAfterCapMs: 60_000 };

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.retryAfterCapMs);
  const exp = policy.baseMs * 2 ** Math.min(attempt, 30);
  return Math.min(exp, policy.maxMs);
}

/** HTTP statuses worth retrying (huggingface_hub's list). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
