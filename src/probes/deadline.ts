import type { Classifier } from './types.js';

/** Thrown by a deadline-bound classifier once the per-model time limit (probes.time_limit) has passed. */
export class TimeLimitError extends Error {
  override name = 'TimeLimitError';
  readonly code = 'PROBE_TIME_LIMIT';
  constructor(readonly limitMs: number) {
    super(`time limit of ${Math.round(limitMs / 1000)} s reached`);
  }
}

/**
 * The same classifier, refusing every call once `deadline` (epoch ms) has passed, so a slow model
 * stops at the next batch instead of running on. Passes and the profile are the inner classifier's.
 */
export function withDeadline(inner: Classifier, deadline: number, limitMs: number, now: () => number = Date.now): Classifier {
  const guard = () => {
    if (now() > deadline) throw new TimeLimitError(limitMs);
  };
  return {
    get profile() {
      return inner.profile;
    },
    get passes() {
      return inner.passes;
    },
    async classify(inputs, n) {
      guard();
      return inner.classify(inputs, n);
    },
    async predict(inputs, n) {
      guard();
      return inner.predict(inputs, n);
    },
    close: () => inner.close(),
  };
}
