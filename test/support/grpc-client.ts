import * as grpc from "@grpc/grpc-js";
import { type ConnectionOptions, ownConnection } from "../../bench/lib/grpc.ts";
import type {
  Broadcast__Output,
  BroadcastBatch__Output,
  ChitChatClient,
  HistoryReply__Output,
  JoinAck__Output,
  LeaveAck__Output,
  ListParticipantsReply__Output,
  PublishAck__Output,
} from "../../src/protocol/proto.ts";
import { rejection } from "./rejection.ts";
import { waitFor } from "./wait.ts";

/** What a test knows about a joined participant. */
export interface Joined extends JoinAck__Output {
  metadata: grpc.Metadata;
}

/** A recorded Subscribe (or SubscribeBatches) stream. */
export interface Recorder {
  /** Every Broadcast received, heartbeats included, in order (batches unpacked). */
  events: Broadcast__Output[];
  /** Broadcasts per gRPC message, in order (all 1 on a Subscribe stream). */
  messageSizes: number[];
  /** The final status once the stream ended. */
  status: grpc.StatusObject | undefined;
  call: grpc.ClientReadableStream<unknown>;
  /** Waits until at least n events arrived. */
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  waitForEnd(timeoutMs?: number): Promise<grpc.StatusObject>;
  cancel(): void;
}

export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${token}`);
  return md;
}

function promisify<Req, Res>(
  fn: (req: Req, md: grpc.Metadata, cb: grpc.requestCallback<Res>) => unknown,
  req: Req,
  md: grpc.Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, md, (error, response) => {
      if (error) reject(error);
      else resolve(response as Res);
    });
  });
}

/** A thin promise wrapper over the generated client, for tests. */
export class TestClient implements Disposable {
  readonly raw: ChitChatClient;

  /**
   * Every test client has its own HTTP/2 connection, as every real participant
   * (a process of its own) has. On one shared connection, Bun 1.4.5's HTTP/2
   * server holds every stream's DATA behind a stream that is out of flow-control
   * window (bench/probes/h2-streams.ts; oven-sh/bun#43422), so one paused
   * subscriber would stall the other test clients, which real clients never see.
   */
  constructor(address: string, connection: ConnectionOptions = {}) {
    this.raw = ownConnection(address, connection);
  }

  async join(name: string, logicalTime = 0): Promise<Joined> {
    const ack = await promisify<object, JoinAck__Output>(
      this.raw.Join.bind(this.raw),
      { name, logicalTime },
      new grpc.Metadata(),
    );
    return { ...ack, metadata: bearer(ack.sessionToken) };
  }

  publish(
    who: Pick<Joined, "participantId" | "metadata">,
    content: string,
    { logicalTime = 0, messageId = "", metadata = who.metadata } = {},
  ): Promise<PublishAck__Output> {
    return promisify(
      this.raw.Publish.bind(this.raw),
      { participantId: who.participantId, content, logicalTime, messageId },
      metadata,
    );
  }

  leave(
    who: Pick<Joined, "participantId" | "metadata">,
    { logicalTime = 0, metadata = who.metadata } = {},
  ): Promise<LeaveAck__Output> {
    return promisify(
      this.raw.Leave.bind(this.raw),
      { participantId: who.participantId, logicalTime },
      metadata,
    );
  }

  listParticipants(
    who: Pick<Joined, "participantId" | "metadata">,
    { metadata = who.metadata } = {},
  ): Promise<ListParticipantsReply__Output> {
    return promisify(
      this.raw.ListParticipants.bind(this.raw),
      { participantId: who.participantId },
      metadata,
    );
  }

  history(
    who: Pick<Joined, "participantId" | "metadata">,
    limit: number,
    { metadata = who.metadata } = {},
  ): Promise<HistoryReply__Output> {
    return promisify(
      this.raw.History.bind(this.raw),
      { participantId: who.participantId, limit },
      metadata,
    );
  }

  /** Subscribes and records everything; `since` defaults to the JOIN time - 1. */
  subscribe(who: Subscriber, options: SubscribeOptions = {}): Recorder {
    return record(
      this.raw.Subscribe(subscribeRequest(who, options), options.metadata ?? who.metadata),
      (b: Broadcast__Output) => [b],
    );
  }

  /** The same with SubscribeBatches: `events` holds every batch's events in order. */
  subscribeBatches(who: Subscriber, options: SubscribeOptions = {}): Recorder {
    return record(
      this.raw.SubscribeBatches(subscribeRequest(who, options), options.metadata ?? who.metadata),
      (batch: BroadcastBatch__Output) => batch.events,
    );
  }

  close(): void {
    this.raw.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

type Subscriber = Pick<Joined, "participantId" | "metadata" | "logicalTime" | "logId">;

export interface SubscribeOptions {
  since?: number;
  logId?: string;
  metadata?: grpc.Metadata;
}

function subscribeRequest(
  who: Subscriber,
  { since = who.logicalTime - 1, logId = who.logId }: SubscribeOptions,
) {
  return { participantId: who.participantId, since, logId };
}

/** Records a stream; `unpack` turns one gRPC message into its Broadcasts. */
function record<T>(
  call: grpc.ClientReadableStream<T>,
  unpack: (message: T) => Broadcast__Output[],
): Recorder {
  const recorder: Recorder = {
    events: [],
    messageSizes: [],
    status: undefined,
    call,
    waitForCount: (n, timeoutMs) =>
      waitFor(() => recorder.events.length >= n || recorder.status !== undefined, {
        timeoutMs,
        what: `${n} events`,
      }).then(() => {
        if (recorder.events.length < n) {
          throw new Error(
            `stream ended (${recorder.status?.code} ${recorder.status?.details}) after ${recorder.events.length} of ${n} events`,
          );
        }
      }),
    waitForEnd: async (timeoutMs) => {
      await waitFor(() => recorder.status !== undefined, { timeoutMs, what: "stream end" });
      return recorder.status as grpc.StatusObject;
    },
    cancel: () => call.cancel(),
  };
  call.on("data", (message: T) => {
    const events = unpack(message);
    recorder.messageSizes.push(events.length);
    recorder.events.push(...events);
  });
  call.on("status", (status) => {
    recorder.status = status;
  });
  call.on("error", () => {});
  return recorder;
}

/** The gRPC error a call rejected with, or a failure if it succeeded. */
export async function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return (await rejection(promise)) as grpc.ServiceError;
}

export interface PublishManyOptions {
  /** Messages are "<prefix> <i>" unless `text` says otherwise. */
  prefix?: string;
  text?: (i: number) => string;
  /** Calls in flight at a time. */
  concurrency?: number;
}

/** Publishes `count` messages (i = 0 … count - 1), several calls in flight at a time. */
export async function publishMany(
  client: TestClient,
  who: Pick<Joined, "participantId" | "metadata">,
  count: number,
  { prefix = "m", text = (i) => `${prefix} ${i}`, concurrency = 50 }: PublishManyOptions = {},
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await client.publish(who, text(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
