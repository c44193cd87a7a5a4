/** Per-key token buckets: `rate` tokens a second, holding at most `burst`. */
export interface RateLimiter {
  /** Takes a token for `key`; when there is none, how long until there is one. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number };
  /** Drops a key's bucket (a participant who left). */
  forget(key: string): void;
}

export interface RateLimiterOptions {
  /** Tokens added per second; 0 turns the limiter off. */
  rate: number;
  /** The most tokens a bucket holds: how many calls may come at once after a quiet spell. */
  burst: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter({
  rate,
  burst,
  now = performance.now.bind(performance),
}: RateLimiterOptions): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const capacity = Math.max(1, burst);
  return {
    take(key) {
      if (rate <= 0) return { ok: true };
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * rate);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / rate) * 1000) };
    },
    forget(key) {
      buckets.delete(key);
    },
  };
}
