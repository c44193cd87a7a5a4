// How big each scenario runs: the full run (well under 30 minutes on 2 cores)
// and --quick (about a minute, the smoke).

export interface Sizes {
  /** Scenario 1: subscriber count → messages published at full speed. */
  fanout: { subscribers: number; messages: number }[];
  /** Calls in flight while flooding in scenario 1. */
  fanoutInflight: number;
  /** Scenario 2: fixed publish rates and how long each runs. */
  latency: { rate: number; subscribers: number }[];
  latencyMs: number;
  /** Scenario 3: publish calls in flight, and how long each case runs. */
  publishInflight: number[];
  publishMs: number;
  synchronous: ("full" | "normal")[];
  /** Scenario 4: log sizes replayed. */
  replay: number[];
  /** Scenario 5: idle subscriber counts. */
  memory: number[];
  /** Scenario 6: events in the log at start, and starts measured (median taken). */
  startEvents: number;
  starts: number;
  /**
   * Scenario 7: three servers on one PostgreSQL vs one on SQLite. Publishes in
   * flight per publisher worker (one worker per server), how long each runs, and
   * subscribers per server that must get every message; then cross-server latency
   * at `rate`/s to `latencySubscribers` on servers B and C for `latencyMs`.
   */
  scaleout: {
    inflight: number[];
    publishMs: number;
    subscribersPerServer: number;
    rate: number;
    latencySubscribers: number;
    latencyMs: number;
  };
  /** Time allowed for every stream to get every message before the run fails. */
  deliveryTimeoutMs: number;
}

export const FULL: Sizes = {
  fanout: [
    { subscribers: 1, messages: 20_000 },
    { subscribers: 10, messages: 10_000 },
    { subscribers: 100, messages: 2_000 },
    { subscribers: 1000, messages: 300 },
  ],
  fanoutInflight: 64,
  latency: [
    { rate: 500, subscribers: 100 },
    { rate: 50, subscribers: 1000 },
  ],
  latencyMs: 10_000,
  publishInflight: [1, 8, 32, 128],
  publishMs: 4_000,
  synchronous: ["full", "normal"],
  replay: [100_000, 1_000_000],
  memory: [0, 100, 1000],
  startEvents: 1_000_000,
  starts: 3,
  scaleout: {
    inflight: [1, 16],
    publishMs: 5_000,
    subscribersPerServer: 2,
    rate: 300,
    latencySubscribers: 20,
    latencyMs: 10_000,
  },
  deliveryTimeoutMs: 120_000,
};

export const QUICK: Sizes = {
  fanout: [
    { subscribers: 1, messages: 2_000 },
    { subscribers: 10, messages: 1_000 },
    { subscribers: 100, messages: 200 },
  ],
  fanoutInflight: 64,
  latency: [{ rate: 500, subscribers: 100 }],
  latencyMs: 3_000,
  publishInflight: [1, 32],
  publishMs: 1_500,
  synchronous: ["full", "normal"],
  replay: [20_000],
  memory: [0, 100],
  startEvents: 100_000,
  starts: 1,
  scaleout: {
    inflight: [1, 16],
    publishMs: 2_000,
    subscribersPerServer: 1,
    rate: 300,
    latencySubscribers: 10,
    latencyMs: 3_000,
  },
  deliveryTimeoutMs: 60_000,
};

/** The smallest run, for the test suite's smoke (completeness, not speed). */
export const TINY: Sizes = {
  ...QUICK,
  fanout: [{ subscribers: 3, messages: 50 }],
  latency: [{ rate: 200, subscribers: 3 }],
  latencyMs: 500,
  publishInflight: [4],
  publishMs: 300,
  synchronous: ["normal"],
  replay: [2_000],
  memory: [0, 3],
  startEvents: 2_000,
  scaleout: {
    inflight: [4],
    publishMs: 300,
    subscribersPerServer: 1,
    rate: 100,
    latencySubscribers: 2,
    latencyMs: 500,
  },
  deliveryTimeoutMs: 15_000,
};
