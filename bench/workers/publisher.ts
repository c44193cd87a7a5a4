// A worker that publishes: as fast as it can with N calls in flight, or at a
// fixed rate (open loop: sends are due on a schedule whether or not acks came).
// Each message starts with its send time, for the subscribers' latency figures.
import type * as grpc from "@grpc/grpc-js";
import { newMessageId } from "../../src/client/message-id.ts";
import { createPublishStream, type PublishStream } from "../../src/client/publish-stream.ts";
import type { PublishAck__Output } from "../../src/protocol/proto.ts";
import { nowMs } from "../lib/clock.ts";
import { inBatches, join, type Member, ownConnection } from "../lib/grpc.ts";
import { serveWorker } from "../lib/worker.ts";

/** Which RPC carries the publishes: PublishStream (as ChitChat's client does) or unary Publish. */
export type PublishRpc = "stream" | "unary";

let members: (Member & { stream: PublishStream | undefined })[] = [];
let sent = 0;

function publishOne(): Promise<PublishAck__Output> {
  const member = members[sent % members.length] as (typeof members)[number];
  sent += 1;
  const content = `${nowMs().toFixed(3)} ${sent}`;
  if (member.stream) {
    return member.stream.send({ content, logicalTime: 0, messageId: newMessageId() });
  }
  return new Promise((resolve, reject) => {
    member.client.Publish(
      {
        participantId: member.ack.participantId,
        content,
        logicalTime: 0,
        // As the real client does: every publish carries a (time-ordered) id that makes a retry safe.
        messageId: newMessageId(),
      },
      member.metadata,
      (error: grpc.ServiceError | null, ack?: PublishAck__Output) => {
        if (error || !ack) reject(error ?? new Error("empty PublishAck"));
        else resolve(ack);
      },
    );
  });
}

interface Tally {
  acked: number;
  failed: number;
  firstError: string | undefined;
}

function tallied(tally: Tally, promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => {
      tally.acked += 1;
    },
    (error: Error) => {
      tally.failed += 1;
      tally.firstError ??= error.message;
    },
  );
}

/** This process's CPU since `start`, as a share of one core over `wallMs`. */
function cpuShare(start: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / wallMs;
}

const api = {
  /**
   * Joins `count` publishing participants (one connection shared, like one busy
   * client); with rpc "stream" each publishes over its own PublishStream, with
   * the client's own machinery (src/client/publish-stream.ts).
   */
  async join({ address, count, rpc }: { address: string; count: number; rpc: PublishRpc }) {
    const client = ownConnection(address);
    const joined = await inBatches(count, 8, (i) => join(client, `pub${i}`));
    members = joined.map((m) => ({
      ...m,
      stream:
        rpc === "stream"
          ? createPublishStream({
              client: m.client,
              participantId: m.ack.participantId,
              sessionToken: m.ack.sessionToken,
              callTimeoutMs: 120_000,
            })
          : undefined,
    }));
    return { maxLogicalTime: Math.max(0, ...members.map((m) => m.ack.logicalTime)) };
  },

  /** Publishes `count` messages (or for `durationMs`), `inflight` calls at a time. */
  async flood({
    count = Number.POSITIVE_INFINITY,
    durationMs = Number.POSITIVE_INFINITY,
    inflight,
  }: {
    count?: number;
    durationMs?: number;
    inflight: number;
  }) {
    const tally: Tally = { acked: 0, failed: 0, firstError: undefined };
    const cpuStart = process.cpuUsage();
    const startAt = nowMs();
    const deadline = startAt + durationMs;
    let started = 0;
    const lane = async () => {
      while (started < count && nowMs() < deadline) {
        started += 1;
        await tallied(tally, publishOne());
      }
    };
    await Promise.all(Array.from({ length: inflight }, lane));
    const endAt = nowMs();
    return {
      ...tally,
      startAt,
      endAt,
      perSecond: (tally.acked * 1000) / (endAt - startAt),
      cpu: cpuShare(cpuStart, endAt - startAt),
    };
  },

  /** Sends `rate` messages per second for `durationMs`, then waits for every ack. */
  async paced({ rate, durationMs }: { rate: number; durationMs: number }) {
    const tally: Tally = { acked: 0, failed: 0, firstError: undefined };
    const cpuStart = process.cpuUsage();
    const total = Math.round((rate * durationMs) / 1000);
    const startAt = nowMs();
    const acks: Promise<void>[] = [];
    let issued = 0;
    let maxBehind = 0;
    while (issued < total) {
      const due = Math.min(total, Math.floor(((nowMs() - startAt) * rate) / 1000) + 1);
      maxBehind = Math.max(maxBehind, due - issued - 1);
      while (issued < due) {
        issued += 1;
        acks.push(tallied(tally, publishOne()));
      }
      // Sleep until the next send is due (timers may fire late under load; the
      // loop above then catches up, and maxBehind says by how much).
      const nextAt = startAt + (issued * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextAt - nowMs())));
    }
    const sendEndAt = nowMs();
    await Promise.all(acks);
    const endAt = nowMs();
    const cpu = cpuShare(cpuStart, endAt - startAt);
    return { ...tally, sent: issued, startAt, sendEndAt, endAt, maxBehind, cpu };
  },

  close() {
    for (const m of members) {
      m.stream?.close();
      m.client.close();
    }
    members = [];
    return null;
  },
};

export type PublisherApi = typeof api;

serveWorker(api);
