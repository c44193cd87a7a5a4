// A stalled subscriber among many fast ones while messages flow, against a
// real server process: its live queue is bounded (--max-queue-events,
// --max-queue-bytes), so the server's memory stays near that of a run without
// it, the fast subscribers' latency stays near theirs in that run, and once it
// reads again it gets every event exactly once, in order, from the log.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { readEvents } from "../support/db-file.ts";
import { broadcastAsRow, visible } from "../support/events.ts";
import type { Recorder } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { scrape } from "../support/http.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const MB = 1024 * 1024;
// Sized for CI; SLOW_CONSUMER_MESSAGES / SLOW_CONSUMER_FAST scale it up, and
// SLOW_CONSUMER_UNBOUNDED=1 adds a run with the bounds out of reach, for the report.
const MESSAGES = Number(process.env.SLOW_CONSUMER_MESSAGES ?? 6_000);
const FAST = Number(process.env.SLOW_CONSUMER_FAST ?? 8);
/** Generous: RSS is noisy (garbage, allocator), and the machine is shared. */
const SLACK = 48 * MB;
const LATENCY_RATIO = 4;
/** Longest message allowed: the most memory per queued event. */
const text = (i: number) => `${i} `.padEnd(128, "x");

/** Resident and peak resident memory of a process, in bytes (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

interface Run {
  /** Peak RSS during the flood minus RSS before it. */
  growth: number;
  /** Median publish→delivery time over every fast subscriber and message. */
  latencyMs: number;
  /** The server's own account of its live queues (/metrics). */
  queue: { peakEvents: number; peakBytes: number; fallbacks: number };
}

/** One flood of MESSAGES through a fresh server process, with or without a stalled subscriber. */
async function flood(stalled: boolean, serverArgs: string[] = []): Promise<Run> {
  const db = h.dbPath();
  // Nobody is announced as left while the test runs; commit speed is not what is measured.
  const server = await h.server(db, [
    ...["--leave-grace-ms", "600000", "--synchronous", "normal"],
    ...serverArgs,
  ]);
  const publisherClient = h.client(server.address);
  const pub = await publisherClient.join("Pub");
  let slow: Recorder | undefined;
  if (stalled) {
    const c = h.client(server.address);
    slow = c.subscribe(await c.join("Slow"));
    await slow.waitForCount(1);
    // Stop reading: grpc-js stops pulling from the HTTP/2 stream, so its window fills up.
    slow.call.pause();
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const fast: Recorder[] = [];
  for (let i = 0; i < FAST; i += 1) {
    const c = h.client(server.address);
    const stream = c.subscribe(await c.join(`Fast${i}`));
    stream.call.on("data", (e: { content: string }) => {
      const sent = sentAt.get(e.content);
      if (sent !== undefined) latencies.push(performance.now() - sent);
    });
    fast.push(stream);
  }
  await waitFor(() => fast.every((s) => s.events.length >= 1), { what: "the fast streams" });
  const before = memory(server.proc.pid);

  // Sent one lane per in-flight slot, so every message has a known send time.
  let next = 0;
  const lane = async () => {
    while (next < MESSAGES) {
      const content = text(next++);
      sentAt.set(content, performance.now());
      await publisherClient.publish(pub, content);
    }
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  const top = readEvents(db).length;
  await waitFor(() => fast.every((s) => (s.events.at(-1)?.seq ?? 0) >= top), {
    timeoutMs: 150_000,
    what: "the fast subscribers to get every message",
  });
  const after = memory(server.proc.pid);

  if (slow) {
    // It missed everything while stalled; reading again, it gets all of it once, in order.
    const s = slow;
    expect(s.events).toHaveLength(1);
    s.call.resume();
    const from = s.events[0]?.seq as number;
    await waitFor(() => (s.events.at(-1)?.seq ?? 0) >= top, {
      timeoutMs: 150_000,
      what: "the stalled subscriber to catch up",
    });
    expect(s.events.map((e) => e.seq)).toEqual(range(from, top));
    const rows = readEvents(db);
    expect(s.events.map(broadcastAsRow)).toEqual(rows.slice(from - 1).map(visible));
  }
  const metrics = await scrape(server.adminUrl);
  const queue = {
    peakEvents: metrics.get("chitchat_live_queue_peak_events") ?? Number.NaN,
    peakBytes: metrics.get("chitchat_live_queue_peak_bytes") ?? Number.NaN,
    fallbacks: metrics.get("chitchat_live_queue_fallbacks_total") ?? Number.NaN,
  };
  return { growth: after.peak - before.rss, latencyMs: median(latencies), queue };
}

test(`one stalled subscriber among ${FAST} fast ones: bounded memory, same latency, nothing lost`, async () => {
  const baseline = await flood(false);
  const withStalled = await flood(true);
  const ratio = withStalled.latencyMs / baseline.latencyMs;
  console.log(
    `slow consumer: ${MESSAGES} messages of 128 chars, ${FAST} fast subscribers; ` +
      `server RSS growth ${(baseline.growth / MB).toFixed(1)} MB without the stalled one, ` +
      `${(withStalled.growth / MB).toFixed(1)} MB with it; fast median latency ` +
      `${baseline.latencyMs.toFixed(1)} ms vs ${withStalled.latencyMs.toFixed(1)} ms ` +
      `(ratio ${ratio.toFixed(2)}); stalled one got all ${MESSAGES} once, in order`,
  );
  // RSS alone cannot see a missing bound at this size (an unbounded queue here is
  // ~3 MB); the server's own peak says whether the queue stayed within it.
  console.log(
    `  stalled run: live queue peak ${withStalled.queue.peakEvents} events / ` +
      `${withStalled.queue.peakBytes} bytes, ${withStalled.queue.fallbacks} fallbacks to the log`,
  );
  expect(withStalled.queue.fallbacks).toBeGreaterThanOrEqual(1);
  expect(withStalled.queue.peakEvents).toBeLessThanOrEqual(1024);
  expect(withStalled.queue.peakBytes).toBeLessThanOrEqual(1024 * 1024);
  expect(withStalled.growth).toBeLessThanOrEqual(baseline.growth + SLACK);
  expect(ratio).toBeLessThanOrEqual(LATENCY_RATIO);
  if (process.env.SLOW_CONSUMER_UNBOUNDED) {
    const off = ["--max-queue-events", "2147483647", "--max-queue-bytes", String(2 ** 50)];
    const unbounded = await flood(true, off);
    console.log(
      `  bounds out of reach: RSS growth ${(unbounded.growth / MB).toFixed(1)} MB, ` +
        `fast median latency ${unbounded.latencyMs.toFixed(1)} ms`,
    );
  }
}, 420_000);
