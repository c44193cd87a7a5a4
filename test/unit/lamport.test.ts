import { describe, expect, test } from "bun:test";
import { LamportClock, MAX_LOGICAL_TIME } from "../../src/protocol/lamport.ts";

describe("LamportClock", () => {
  test("starts at 0", () => {
    expect(new LamportClock().time).toBe(0);
  });

  test("can start from a given time (a server resuming its log)", () => {
    const clock = new LamportClock(41);
    expect(clock.time).toBe(41);
    expect(clock.tick()).toBe(42);
  });

  test("tick increments by one and returns the new time", () => {
    const clock = new LamportClock();
    expect([clock.tick(), clock.tick(), clock.tick()]).toEqual([1, 2, 3]);
    expect(clock.time).toBe(3);
  });

  test("observe of a lower time: local + 1", () => {
    const clock = new LamportClock(10);
    expect(clock.observe(3)).toBe(11);
    expect(clock.time).toBe(11);
  });

  test("observe of an equal time: local + 1", () => {
    const clock = new LamportClock(10);
    expect(clock.observe(10)).toBe(11);
    expect(clock.time).toBe(11);
  });

  test("observe of a higher time: received + 1", () => {
    const clock = new LamportClock(10);
    expect(clock.observe(25)).toBe(26);
    expect(clock.time).toBe(26);
  });

  test("observe of 0 on a fresh clock moves it to 1", () => {
    const clock = new LamportClock();
    expect(clock.observe(0)).toBe(1);
  });

  test("stays exact at MAX_LOGICAL_TIME (the largest time a request may carry)", () => {
    expect(MAX_LOGICAL_TIME).toBe(2 ** 52);
    const clock = new LamportClock();
    expect(clock.observe(MAX_LOGICAL_TIME)).toBe(MAX_LOGICAL_TIME + 1);
    expect(clock.tick()).toBe(MAX_LOGICAL_TIME + 2);
    // Every later step is still an exact integer step.
    expect(clock.time - MAX_LOGICAL_TIME).toBe(2);
  });

  test("the clock never goes backward, whatever it observes", () => {
    const clock = new LamportClock();
    const seen: number[] = [];
    for (const received of [5, 0, 3, 100, 7, 100, 1]) {
      seen.push(clock.observe(received));
      seen.push(clock.tick());
    }
    expect(seen).toEqual([6, 7, 8, 9, 10, 11, 101, 102, 103, 104, 105, 106, 107, 108]);
  });
});

describe("happens-before between two clocks", () => {
  interface Message {
    from: string;
    sentAt: number;
  }

  /** One process: its clock and every time it stamped, in order. */
  function process(name: string) {
    const clock = new LamportClock();
    const history: number[] = [];
    return {
      name,
      clock,
      history,
      local(): number {
        const t = clock.tick();
        history.push(t);
        return t;
      },
      send(): Message {
        const t = clock.tick();
        history.push(t);
        return { from: name, sentAt: t };
      },
      receive(message: Message): number {
        const t = clock.observe(message.sentAt);
        history.push(t);
        return t;
      },
    };
  }

  test("every receive is later than its send, and each process's times strictly increase", () => {
    const a = process("a");
    const b = process("b");
    const pairs: Array<{ sent: number; received: number }> = [];
    const deliver = (message: Message, to: ReturnType<typeof process>) => {
      pairs.push({ sent: message.sentAt, received: to.receive(message) });
    };

    // b races ahead with local events, then the two exchange messages both ways,
    // including messages in flight at the same time (a crossing).
    for (let i = 0; i < 5; i += 1) b.local();
    deliver(a.send(), b); // a:1 -> b:6
    deliver(b.send(), a); // b:7 -> a:8
    a.local(); // a:9
    const fromA = a.send(); // a:10
    const fromB = b.send(); // b:8
    deliver(fromA, b); // b: max(8, 10) + 1 = 11
    deliver(fromB, a); // a: max(10, 8) + 1 = 11

    expect(pairs).toEqual([
      { sent: 1, received: 6 },
      { sent: 7, received: 8 },
      { sent: 10, received: 11 },
      { sent: 8, received: 11 },
    ]);
    for (const { sent, received } of pairs) expect(received).toBeGreaterThan(sent);
    expect(a.history).toEqual([1, 8, 9, 10, 11]);
    expect(b.history).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 11]);
  });

  test("a chain a -> b -> a is ordered along the chain", () => {
    const a = process("a");
    const b = process("b");
    const first = a.send();
    b.receive(first);
    const reply = b.send();
    const back = a.receive(reply);
    expect([first.sentAt, reply.sentAt, back]).toEqual([1, 3, 4]);
  });

  test("a long random-looking exchange keeps send < receive for every message", () => {
    const procs = [process("a"), process("b"), process("c")];
    // A fixed pattern (no randomness, so the test is reproducible): who sends to whom,
    // with local events sprinkled in.
    const pattern = [0, 1, 2, 2, 0, 1, 1, 2, 0, 0, 2, 1];
    const inFlight: Array<{ message: Message; to: number }> = [];
    const checked: boolean[] = [];
    pattern.forEach((who, i) => {
      const sender = procs[who];
      if (!sender) throw new Error("bad pattern");
      if (i % 3 === 0) sender.local();
      inFlight.push({ message: sender.send(), to: (who + 1 + (i % 2)) % 3 });
      // Deliver the oldest message every other step, so messages overlap.
      if (i % 2 === 1) {
        const next = inFlight.shift();
        const receiver = next ? procs[next.to] : undefined;
        if (!next || !receiver) throw new Error("nothing in flight");
        checked.push(receiver.receive(next.message) > next.message.sentAt);
      }
    });
    for (const { message, to } of inFlight.splice(0)) {
      const receiver = procs[to];
      if (!receiver) throw new Error("bad receiver");
      checked.push(receiver.receive(message) > message.sentAt);
    }
    expect(checked).toEqual(Array.from({ length: pattern.length }, () => true));
    for (const p of procs) {
      for (let i = 1; i < p.history.length; i += 1) {
        expect(p.history[i]).toBeGreaterThan(p.history[i - 1] ?? -1);
      }
    }
  });
});
