import { describe, expect, test } from "bun:test";
import { backoffDelay } from "../../src/client/backoff.ts";

const options = { initialMs: 100, maxMs: 1_000, multiplier: 2 };

describe("backoffDelay", () => {
  test("grows exponentially up to the cap, half of it jittered", () => {
    const low = [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, options, () => 0));
    const high = [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, options, () => 1));
    expect(low).toEqual([50, 100, 200, 400, 500, 500]);
    expect(high).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  test("stays within its bounds for any draw", () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, options);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
