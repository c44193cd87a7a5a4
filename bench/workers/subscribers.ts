// A worker holding many event streams: it joins participants, opens their
// streams, counts the MESSAGE events each receives, checks `seq` for holes and
// duplicates, and (optionally) records publish→deliver latency from the send
// time the publisher put at the start of each message. Against ChitChat it
// uses SubscribeBatches, as the real client does; against the bare baseline,
// Subscribe (one message per event).
import type * as grpc from "@grpc/grpc-js";
import type { Broadcast__Output, BroadcastBatch__Output } from "../../src/protocol/proto.ts";
import { waitFor } from "../../test/support/wait.ts";
import { nowMs } from "../lib/clock.ts";
import { inBatches, join, type Member, ownConnection, SUBSCRIBER_CONNECTION } from "../lib/grpc.ts";
import { serveWorker } from "../lib/worker.ts";

interface Stream {
  call: grpc.ClientReadableStream<unknown>;
  connected: boolean;
  messages: number;
  lastSeq: number;
  /** Events whose seq was not lastSeq + 1. */
  broken: number;
  status: grpc.StatusObject | undefined;
}

let members: Member[] = [];
let streams: Stream[] = [];
let latencies: number[] | undefined;
let firstAt = 0;
let lastAt = 0;
let replayedMessages = 0;
let cpuStart = process.cpuUsage();
let wallStart = performance.now();

function resetCounters(recordLatency: boolean): void {
  for (const s of streams) s.messages = 0;
  latencies = recordLatency ? [] : undefined;
  firstAt = 0;
  lastAt = 0;
  replayedMessages = 0;
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
}

function onEvent(stream: Stream, event: Broadcast__Output): void {
  if (stream.lastSeq !== 0 && event.seq !== stream.lastSeq + 1) stream.broken += 1;
  stream.lastSeq = event.seq;
  if (event.kind !== "EVENT_KIND_MESSAGE") return;
  const at = nowMs();
  if (firstAt === 0) firstAt = at;
  lastAt = at;
  stream.messages += 1;
  if (event.replayed) replayedMessages += 1;
  if (latencies) latencies.push(at - Number.parseFloat(event.content));
}

const api = {
  /** Joins `count` participants, each on its own connection. */
  async join({ address, count, prefix }: { address: string; count: number; prefix: string }) {
    members = await inBatches(count, 32, (i) =>
      join(ownConnection(address, SUBSCRIBER_CONNECTION), `${prefix}${i}`),
    );
    return { maxLogicalTime: Math.max(0, ...members.map((m) => m.ack.logicalTime)) };
  },

  /**
   * Opens every member's stream after `since` (SubscribeBatches when `batches`);
   * resolves once all have their headers.
   */
  async subscribe({
    since,
    recordLatency,
    batches,
  }: {
    since: number;
    recordLatency: boolean;
    batches: boolean;
  }) {
    resetCounters(recordLatency);
    streams = members.map((m) => {
      const request = { participantId: m.ack.participantId, since, logId: m.ack.logId };
      const call: grpc.ClientReadableStream<unknown> = batches
        ? m.client.SubscribeBatches(request, m.metadata)
        : m.client.Subscribe(request, m.metadata);
      const stream: Stream = {
        call,
        connected: false,
        messages: 0,
        lastSeq: 0,
        broken: 0,
        status: undefined,
      };
      call.on("metadata", () => {
        stream.connected = true;
      });
      call.on(
        "data",
        batches
          ? (batch: BroadcastBatch__Output) => {
              for (const event of batch.events) onEvent(stream, event);
            }
          : (event: Broadcast__Output) => onEvent(stream, event),
      );
      call.on("status", (status) => {
        stream.status = status;
      });
      call.on("error", () => {});
      return stream;
    });
    await waitFor(() => streams.every((s) => s.connected || s.status), {
      timeoutMs: 60_000,
      what: "every stream to connect",
    });
    const failed = streams.filter((s) => s.status);
    if (failed.length > 0) {
      throw new Error(`${failed.length} streams failed: ${failed[0]?.status?.details}`);
    }
    return { streams: streams.length };
  },

  /** Starts counting (and timing) afresh. */
  reset({ recordLatency }: { recordLatency: boolean }) {
    resetCounters(recordLatency);
    return null;
  },

  /** Waits until every stream has `count` messages (or the timeout) and reports. */
  async expect({ count, timeoutMs }: { count: number; timeoutMs: number }) {
    await waitFor(() => streams.every((s) => s.messages >= count || s.status), {
      timeoutMs,
      what: `${count} messages on every stream`,
    }).catch(() => {});
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - wallStart;
    return {
      streams: streams.length,
      delivered: streams.reduce((sum, s) => sum + s.messages, 0),
      short: streams.filter((s) => s.messages < count).length,
      extra: streams.filter((s) => s.messages > count).length,
      broken: streams.reduce((sum, s) => sum + s.broken, 0),
      ended: streams.filter((s) => s.status).map((s) => `${s.status?.code} ${s.status?.details}`),
      replayedMessages,
      firstAt,
      lastAt,
      /** Share of one core this worker used since the last reset. */
      cpu: (cpu.user + cpu.system) / 1000 / wallMs,
      latencies: latencies ?? [],
    };
  },

  close() {
    for (const s of streams) if (!s.status) s.call.cancel();
    for (const m of members) m.client.close();
    streams = [];
    members = [];
    return null;
  },
};

export type SubscribersApi = typeof api;

serveWorker(api);
