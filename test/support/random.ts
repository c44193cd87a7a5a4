/** A small deterministic generator (xorshift32), so a failing fuzz run can be replayed from its seed. */
export interface SeededRandom {
  readonly seed: number;
  /** A whole number in [0, 2^32). */
  next(): number;
  /** A whole number in [0, n). */
  below(n: number): number;
  byte(): number;
  bytes(length: number): Buffer;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const below = (n: number) => next() % n;
  return {
    seed,
    next,
    below,
    byte: () => next() & 0xff,
    bytes: (length) => Buffer.from(Array.from({ length }, () => next() & 0xff)),
    pick: (items) => items[below(items.length)] as (typeof items)[number],
  };
}
