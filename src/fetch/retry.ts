import { type BackoffPolicy, backoffDelay, sleep } from './backoff.js';
import { FetchError } from './errors.js';

/** Thrown inside a retried step: the failure is worth another attempt. */
export class Retryable extends Error {
  constructor(
    readonly error: FetchError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

/** Runs `step` until it succeeds, throws a non-Retryable error, or the policy's retries are spent. */
export async function withRetries<T>(policy: BackoffPolicy, signal: AbortSignal | undefined, step: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step(attempt);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      if (attempt >= policy.retries) throw error.error;
      await pause(policy, attempt, error.retryAfterMs, signal);
    }
  }
}

export async function pause(policy: BackoffPolicy, attempt: number, retryAfterMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(backoffDelay(policy, attempt, retryAfterMs), signal);
  } catch {
    throw abortedError();
  }
}

export function abortedError(): FetchError {
  return new FetchError('NETWORK', 'fetch aborted');
}
