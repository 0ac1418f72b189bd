import type { Classifier, ProbeBudget } from '../types.js';

export type SampleBatch = Float32Array | BigInt64Array | Int32Array;

/** Thrown inside a stage when the next batch would overrun the budget; the stage stops cleanly. */
export class BudgetExhausted extends Error {
  constructor(needed: number, left: number) {
    super(`pass budget exhausted: ${needed} needed, ${left} left`);
    this.name = 'BudgetExhausted';
  }
}

/**
 * Every forward pass of the trigger search goes through here: the budget is checked BEFORE a batch
 * runs, so a stage never overruns it. Passes are counted here too, in case the classifier does not
 * charge the budget object itself.
 */
export class Evaluator {
  private spentHere = 0;
  private readonly usedAtStart: number;

  constructor(
    readonly classifier: Classifier,
    private readonly budget: ProbeBudget,
  ) {
    this.usedAtStart = budget.used();
  }

  /** Passes this evaluator ran. */
  get spent(): number {
    return this.spentHere;
  }

  remaining(): number {
    const chargedByClassifier = this.budget.used() - this.usedAtStart;
    const uncharged = Math.max(0, this.spentHere - chargedByClassifier);
    return Math.max(0, this.budget.remaining() - uncharged);
  }

  canAfford(n: number): boolean {
    return n <= this.remaining();
  }

  async predict(batch: SampleBatch, n: number): Promise<Int32Array> {
    this.charge(n);
    return this.classifier.predict(batch, n);
  }

  async classify(batch: SampleBatch, n: number): Promise<Float32Array> {
    this.charge(n);
    return this.classifier.classify(batch, n);
  }

  private charge(n: number): void {
    const left = this.remaining();
    if (n > left) throw new BudgetExhausted(n, left);
    this.spentHere += n;
  }
}
