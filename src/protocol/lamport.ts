/**
 * The largest logical time a request may carry (2^52). A sender can push the
 * server's clock forward, so this leaves 2^52 further events of headroom below
 * 2^53, where JavaScript numbers stop being exact integers.
 */
export const MAX_LOGICAL_TIME = 2 ** 52;

/**
 * A Lamport clock. Starts at 0; `tick()` before every send; `observe(t)` on
 * every receive sets the clock to max(clock, t) + 1.
 */
export class LamportClock {
  #time: number;

  constructor(start = 0) {
    this.#time = start;
  }

  /** The current time. */
  get time(): number {
    return this.#time;
  }

  /** Advances the clock for a send and returns the time to put on the message. */
  tick(): number {
    this.#time += 1;
    return this.#time;
  }

  /** Merges a received time: clock = max(clock, received) + 1. Returns the new time. */
  observe(received: number): number {
    this.#time = Math.max(this.#time, received) + 1;
    return this.#time;
  }
}
