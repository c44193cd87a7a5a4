import { describe, expect, test } from "bun:test";
import { createRateLimiter } from "../../src/server/rate-limit.ts";

describe("createRateLimiter (token bucket)", () => {
  test("a full burst at once, then one token per 1/rate seconds, with the wait to the next", () => {
    let now = 1_000;
    const limiter = createRateLimiter({ rate: 4, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => limiter.take("a"))).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
    ]);
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterMs: 250 });
    now += 100;
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterMs: 150 });
    now += 150;
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterMs: 250 });
    // A long quiet spell refills to the burst, not beyond.
    now += 60_000;
    expect([1, 2, 3, 4].map(() => limiter.take("a").ok)).toEqual([true, true, true, false]);
  });

  test("each key has its own bucket; forget starts a key afresh; rate 0 is no limit", () => {
    const now = 0;
    const limiter = createRateLimiter({ rate: 1, burst: 1, now: () => now });
    expect(limiter.take("a").ok).toBe(true);
    expect(limiter.take("a").ok).toBe(false);
    expect(limiter.take("b").ok).toBe(true);
    limiter.forget("a");
    expect(limiter.take("a").ok).toBe(true);
    const off = createRateLimiter({ rate: 0, burst: 1, now: () => now });
    expect(Array.from({ length: 1000 }, () => off.take("a").ok).every(Boolean)).toBe(true);
  });
});
