import type { Value } from './values.js';

const DENSE_LIMIT = 1 << 24;

/**
 * The pickle memo with CPython semantics: one key space shared by PUT/BINPUT/LONG_BINPUT/MEMOIZE,
 * `size` is len(memo) (distinct keys), later PUTs overwrite. Dense small keys live in an array,
 * others in a Map, so a hostile LONG_BINPUT 4294967295 costs one Map entry.
 */
export class Memo {
  private readonly dense: Array<Value | undefined> = [];
  private sparse: Map<number, Value> | undefined;
  size = 0;

  get(key: number): Value | undefined {
    const value = key >= 0 && key < this.dense.length ? this.dense[key] : undefined;
    return value !== undefined ? value : this.sparse?.get(key);
  }

  set(key: number, value: Value): void {
    if (key >= 0 && key < DENSE_LIMIT && key <= this.dense.length + 4096) {
      if (this.dense[key] === undefined && !this.sparse?.has(key)) this.size++;
      else if (this.sparse?.has(key)) this.sparse.delete(key);
      while (this.dense.length < key) this.dense.push(undefined);
      this.dense[key] = value;
      return;
    }
    this.sparse ??= new Map();
    if (!this.sparse.has(key) && this.get(key) === undefined) this.size++;
    this.sparse.set(key, value);
  }
}
