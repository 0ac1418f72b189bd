import type { ProbeBudget } from '../types.js';
import { BudgetExhaustedError } from './errors.js';

/** The write side of a ProbeBudget: the classifier charges every sample here before running it. */
export interface MeteredBudget extends ProbeBudget {
  /** Charges `n` passes, or throws BudgetExhaustedError (charging nothing) when fewer than `n` are left. */
  consume(n: number): void;
  /** Whether `n` more passes fit. */
  canAfford(n: number): boolean;
}

export function createBudget(total: number): MeteredBudget {
  if (!Number.isFinite(total) && total !== Infinity) throw new RangeError(`budget must be a number of passes, got ${total}`);
  if (total < 0) throw new RangeError(`budget must not be negative, got ${total}`);
  const limit = total === Infinity ? Infinity : Math.floor(total);
  let used = 0;
  return {
    total: limit,
    used: () => used,
    remaining: () => limit - used,
    canAfford: (n) => n <= limit - used,
    consume(n) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`passes to charge must be a non-negative integer, got ${n}`);
      if (n > limit - used) throw new BudgetExhaustedError(n, limit - used, limit);
      used += n;
    },
  };
}

export function isMeteredBudget(budget: ProbeBudget): budget is MeteredBudget {
  return typeof (budget as Partial<MeteredBudget>).consume === 'function';
}
