import { PTuple, type Value, makeTuple } from './values.js';

const BITS = 17;
const LIMIT = 1 << BITS;
const MAX_ENTRIES = 65_536;

const small = (v: Value): v is number => typeof v === 'number' && v >= 0 && v < LIMIT && Number.isInteger(v);

/**
 * TUPLE1/2/3 results. Tuples are immutable, so tuples of small non-negative integers (tensor sizes
 * and strides, repeated across a whole state_dict) are shared, as CPython shares (): one object
 * per distinct tuple instead of one per opcode. Everything else gets a fresh tuple.
 */
export class SmallTuples {
  private readonly known: Array<Map<number, PTuple>> = [new Map(), new Map(), new Map()];

  one(a: Value): PTuple {
    return small(a) ? this.shared(0, a, a) : makeTuple([a]);
  }

  two(a: Value, b: Value): PTuple {
    return small(a) && small(b) ? this.shared(1, a * LIMIT + b, a, b) : makeTuple([a, b]);
  }

  three(a: Value, b: Value, c: Value): PTuple {
    return small(a) && small(b) && small(c) ? this.shared(2, (a * LIMIT + b) * LIMIT + c, a, b, c) : makeTuple([a, b, c]);
  }

  private shared(arity: number, key: number, a: number, b?: number, c?: number): PTuple {
    const map = this.known[arity]!;
    let t = map.get(key);
    if (t === undefined) {
      t = makeTuple(arity === 0 ? [a] : arity === 1 ? [a, b!] : [a, b!, c!]);
      if (map.size < MAX_ENTRIES) map.set(key, t);
    }
    return t;
  }
}
