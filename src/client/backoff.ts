/** Settings for jittered, capped exponential backoff. */
export interface BackoffOptions {
  /** Base delay of the first retry, in milliseconds. */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** Growth per attempt. */
  multiplier: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000, multiplier: 2 };

/**
 * The delay before retry number `attempt` (1 for the first retry): the capped
 * exponential base, with "equal jitter" — half fixed, half random — so clients
 * that failed together do not retry together, yet never retry at once.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxMs, options.initialMs * options.multiplier ** exponent);
  return Math.round(base / 2 + random() * (base / 2));
}
