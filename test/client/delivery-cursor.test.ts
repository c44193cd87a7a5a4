import { describe, expect, test } from "bun:test";
import { createDeliveryCursor, type Verdict } from "../../src/client/delivery-cursor.ts";

function feed(since: number, events: [number, number][], expectedFirstSeq?: number): Verdict[] {
  const cursor = createDeliveryCursor({ since, expectedFirstSeq });
  return events.map(([seq, lt]) => cursor.accept(seq, lt));
}

describe("delivery cursor", () => {
  test("delivers dense events and drops what it has seen", () => {
    expect(
      feed(
        4,
        [
          [3, 5],
          [4, 8],
          [3, 5],
          [4, 8],
          [5, 9],
        ],
        3,
      ),
    ).toEqual(["deliver", "deliver", "duplicate", "duplicate", "deliver"]);
  });

  test("spots a hole once the first seq is known", () => {
    expect(
      feed(
        4,
        [
          [3, 5],
          [5, 9],
        ],
        3,
      ),
    ).toEqual(["deliver", "gap"]);
    // Expected first seq known: the very first event can already be a hole.
    expect(feed(4, [[4, 8]], 3)).toEqual(["gap"]);
    // since = 0 is the whole log, which starts at seq 1.
    expect(feed(0, [[2, 3]])).toEqual(["gap"]);
  });

  test("with an arbitrary since, the first event sets the seq baseline", () => {
    expect(
      feed(10, [
        [7, 12],
        [8, 13],
        [10, 15],
      ]),
    ).toEqual(["deliver", "deliver", "gap"]);
  });

  test("an event at or before since is a duplicate", () => {
    expect(feed(10, [[7, 10]])).toEqual(["duplicate"]);
  });

  test("tracks the resume point and does not move on a gap", () => {
    const cursor = createDeliveryCursor({ since: 1, expectedFirstSeq: 1 });
    expect([cursor.lastSeq, cursor.lastLogicalTime, cursor.delivered]).toEqual([0, 1, false]);
    cursor.accept(1, 2);
    cursor.accept(3, 9);
    expect([cursor.lastSeq, cursor.lastLogicalTime, cursor.delivered]).toEqual([1, 2, true]);
  });

  test("behind: a heartbeat's top past the last delivered event, by seq or logical time", () => {
    // Subscribed since 10 without knowing which seq that is: logical time decides.
    const cursor = createDeliveryCursor({ since: 10 });
    expect(cursor.behind(0, 10)).toBe(false);
    expect(cursor.behind(7, 12)).toBe(true);
    cursor.accept(7, 12);
    expect(cursor.behind(7, 12)).toBe(false);
    expect(cursor.behind(8, 12)).toBe(true);
    expect(cursor.behind(7, 13)).toBe(true);
  });
});
