// Prometheus metrics through prom-client: the maintained client, whose text
// format, label escaping and histogram buckets we would otherwise hand-write.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { EVENT_KINDS } from "../protocol/events.ts";
import type { EventLog, LogEvent } from "../store/event-log.ts";
import { newQueueStats, type QueueStats } from "./cursor.ts";

export interface MetricsOptions {
  /** Also export process metrics (RSS, CPU, event-loop lag): one registry per process. */
  processMetrics?: boolean;
}

const PROCESS_PREFIX = "chitchat_";
/** prom-client's default metrics that cost a walk of the heap per scrape under Bun. */
export const HEAP_SPACE_METRICS = [
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
] as const;

/** Readings the gauges take when scraped. */
export interface MetricsSources {
  subscribers(): number;
  participants(): number;
  queueStats(): QueueStats;
}

/** The server's counters and histograms; the service and server feed them. */
export interface ChatMetrics {
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  text(): Promise<string>;
  /** Wraps the log so each append's commit time and each appended event are counted. */
  instrumentLog(log: EventLog): EventLog;
  /** Where the gauges read from, once the hub exists. */
  setSources(sources: MetricsSources): void;
  publishRejected(reason: string): void;
  /** A publish request arrived, by the RPC that carried it. */
  publishReceived(rpc: "Publish" | "PublishStream"): void;
  /** Seconds from a publish arriving to its event being handed to every subscriber. */
  publishFannedOut(seconds: number): void;
  /** `count` events were sent from the log (catching up). */
  eventReplayed(count: number): void;
  subscriberResumed(): void;
  /** A PublishStream holds `count` requests not yet answered or not yet taken by its connection. */
  publishStreamHeld(count: number): void;
  /** A PublishStream stopped being read: too many requests under way, or results not taken. */
  publishStreamPaused(reason: "window" | "unread"): void;
}

// Commits take from ~50 µs (NORMAL, one row) to tens of ms (fsync on a busy disk).
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

export function createMetrics({ processMetrics = false }: MetricsOptions = {}): ChatMetrics {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricsSources = {
    subscribers: () => 0,
    participants: () => 0,
    queueStats: newQueueStats,
  };

  const appended = new Counter({
    name: "chitchat_events_appended_total",
    help: "Events this server committed to the log, by kind.",
    labelNames: ["kind"] as const,
    registers,
  });
  for (const kind of EVENT_KINDS) appended.inc({ kind }, 0);
  const rejected = new Counter({
    name: "chitchat_publishes_rejected_total",
    help: "Publish calls answered with an error, by reason (the error code).",
    labelNames: ["reason"] as const,
    registers,
  });
  const received = new Counter({
    name: "chitchat_publish_requests_total",
    help: "Publish requests received, by the RPC that carried them (Publish, or one message on PublishStream).",
    labelNames: ["rpc"] as const,
    registers,
  });
  received.inc({ rpc: "Publish" }, 0);
  received.inc({ rpc: "PublishStream" }, 0);
  const replayed = new Counter({
    name: "chitchat_replayed_events_total",
    help: "Events sent to subscribers from the log (catching up) rather than live.",
    registers,
  });
  const resumes = new Counter({
    name: "chitchat_resumes_total",
    help: "Subscribe calls resuming after the participant's own JOIN (a reconnect or a restart).",
    registers,
  });
  new Gauge({
    name: "chitchat_subscribers",
    help: "Open Subscribe streams.",
    registers,
    collect() {
      this.set(sources.subscribers());
    },
  });
  new Gauge({
    name: "chitchat_participants",
    help: "Participants in the chat now (streaming or within the leave grace).",
    registers,
    collect() {
      this.set(sources.participants());
    },
  });
  new Gauge({
    name: "chitchat_live_queue_peak_events",
    help: "The most live events any one subscriber's queue has held (bounded by --max-queue-events).",
    registers,
    collect() {
      this.set(sources.queueStats().peakEvents);
    },
  });
  new Gauge({
    name: "chitchat_live_queue_peak_bytes",
    help: "The most estimated bytes any one subscriber's live queue has held (bounded by --max-queue-bytes).",
    registers,
    collect() {
      this.set(sources.queueStats().peakBytes);
    },
  });
  let fallbacksSeen = 0;
  new Counter({
    name: "chitchat_live_queue_fallbacks_total",
    help: "Times a subscriber's live queue overflowed and it fell back to reading the log.",
    registers,
    collect() {
      const { fallbacks } = sources.queueStats();
      if (fallbacks > fallbacksSeen) this.inc(fallbacks - fallbacksSeen);
      fallbacksSeen = fallbacks;
    },
  });
  const commitSeconds = new Histogram({
    name: "chitchat_append_commit_seconds",
    help: "Time to stamp and commit one batch of events (one SQLite transaction).",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const batchEvents = new Histogram({
    name: "chitchat_append_batch_events",
    help: "Events per committed batch (group commit).",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  const fanOutSeconds = new Histogram({
    name: "chitchat_publish_fanout_seconds",
    help: "Time from a Publish arriving to its event being handed to every subscriber stream.",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  let heldPeak = 0;
  const heldGauge = new Gauge({
    name: "chitchat_publish_stream_held_peak",
    help: "The most requests one PublishStream has held unanswered or untaken by its connection (bounded: reading pauses at 256).",
    registers,
  });
  heldGauge.set(0);
  const pauses = new Counter({
    name: "chitchat_publish_stream_pauses_total",
    help: "Times a PublishStream stopped being read (backpressure), by reason: window (256 requests under way) or unread (the client does not take results).",
    labelNames: ["reason"] as const,
    registers,
  });
  pauses.inc({ reason: "window" }, 0);
  pauses.inc({ reason: "unread" }, 0);
  if (processMetrics) {
    collectDefaultMetrics({ register: registry, prefix: PROCESS_PREFIX });
    // Under Bun, v8.getHeapSpaceStatistics() walks the whole heap: ~13 ms of
    // event loop per scrape with a modest heap (bench/probes/metrics-scrape.ts),
    // more as it grows, so every Prometheus scrape stalled the server that long. The heap's total and
    // used sizes (chitchat_nodejs_heap_size_*) stay; the per-space split goes.
    for (const name of HEAP_SPACE_METRICS) registry.removeSingleMetric(PROCESS_PREFIX + name);
  }

  return {
    contentType: registry.contentType,
    text: () => registry.metrics(),
    instrumentLog(log) {
      const count = (events: readonly LogEvent[]) => {
        batchEvents.observe(events.length);
        for (const event of events) appended.inc({ kind: event.kind });
      };
      if (log.backend !== "sqlite") {
        // A shared log's tail brings every server's events: count this server's
        // own commits, timed around the append's round trip.
        return {
          ...log,
          async append(drafts) {
            const started = performance.now();
            const results = await log.append(drafts);
            commitSeconds.observe((performance.now() - started) / 1000);
            count(results.flatMap((r) => (r.status === "stored" ? [r.event] : [])));
            return results;
          },
        };
      }
      let started = 0;
      // Registered before anyone else's listener, so it runs right after the
      // commit (SQLite calls listeners inside append): the fan-out is not timed.
      log.onAppend((events) => {
        commitSeconds.observe((performance.now() - started) / 1000);
        count(events);
      });
      return {
        ...log,
        append(drafts) {
          started = performance.now();
          return log.append(drafts);
        },
      };
    },
    setSources(next) {
      sources = next;
    },
    publishRejected: (reason) => rejected.inc({ reason }),
    publishReceived: (rpc) => received.inc({ rpc }),
    publishFannedOut: (seconds) => fanOutSeconds.observe(seconds),
    eventReplayed: (count) => replayed.inc(count),
    subscriberResumed: () => resumes.inc(),
    publishStreamHeld(count) {
      if (count <= heldPeak) return;
      heldPeak = count;
      heldGauge.set(count);
    },
    publishStreamPaused: (reason) => pauses.inc({ reason }),
  };
}
