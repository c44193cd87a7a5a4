// The chat session's transport over gRPC: the ChitChat client, call metadata
// and deadlines, and the SubscribeBatches stream (with Subscribe for servers
// that predate it).
import {
  type ChannelCredentials,
  type ClientReadableStream,
  type ClientUnaryCall,
  type StatusObject,
  status,
} from "@grpc/grpc-js";
import { chitChatClientConstructor, RECEIVE_WINDOW_BYTES } from "../protocol/client-constructor.ts";
import { ChatError } from "../protocol/errors.ts";
import type {
  Broadcast__Output,
  BroadcastBatch__Output,
  ChitChatClient,
  HistoryReply__Output,
  JoinAck__Output,
  ListParticipantsReply__Output,
} from "../protocol/proto.ts";
import type { BackoffOptions } from "./backoff.ts";
import { fromBroadcast } from "./chat-event.ts";
import { isServiceError, toCallFailure } from "./grpc-status.ts";
import { createPublishStream, type PublishStream } from "./publish-stream.ts";
import type { Ack, ChatTransport, StreamItem } from "./transport.ts";
import { callMetadata, deadlineIn, unary } from "./unary.ts";

export interface GrpcTransportOptions {
  /** "host:port" of the ChitChat server. */
  server: string;
  credentials: ChannelCredentials;
  backoff: BackoffOptions;
  /** How long connect() waits for the server to be reachable. */
  connectTimeoutMs: number;
  /** Deadline of each Join/Publish/Leave attempt. */
  callTimeoutMs: number;
}

// If grpc-js reports the status but never 'end' (nothing left to read), stop waiting after this.
const END_AFTER_STATUS_MS = 50;

function toItem(broadcast: Broadcast__Output): StreamItem {
  if (broadcast.kind === "EVENT_KIND_HEARTBEAT") {
    return { type: "heartbeat", seq: broadcast.seq, logicalTime: broadcast.logicalTime };
  }
  return {
    type: "event",
    seq: broadcast.seq,
    logicalTime: broadcast.logicalTime,
    event: fromBroadcast(broadcast),
  };
}

export function createGrpcTransport({
  server,
  credentials,
  backoff,
  connectTimeoutMs,
  callTimeoutMs,
}: GrpcTransportOptions): ChatTransport {
  const ChitChat = chitChatClientConstructor();
  const client: ChitChatClient = new ChitChat(server, credentials, {
    // grpc-js reconnects its channel on its own schedule (1 s up to 120 s by default);
    // match ours so a resubscribe finds the channel ready soon after the server is back.
    "grpc.initial_reconnect_backoff_ms": backoff.initialMs,
    "grpc.max_reconnect_backoff_ms": backoff.maxMs,
    "grpc-node.flow_control_window": RECEIVE_WINDOW_BYTES,
  });
  const calls = new Set<ClientUnaryCall>();
  let closed = false;
  // Until a server answers UNIMPLEMENTED to SubscribeBatches (it predates it).
  let batches = true;
  // Publishes go over one PublishStream per session, until a server answers
  // UNIMPLEMENTED (it predates it): unary Publish from then on.
  let streams = true;
  let publishStream: { key: string; stream: PublishStream } | undefined;

  const call = <T>(start: (cb: (error: unknown, value?: T) => void) => ClientUnaryCall) =>
    unary<T>(start as never, calls).catch((error) => {
      throw toCallFailure(error);
    });

  /**
   * Why the channel cannot connect, as grpc-js last saw it ("self signed
   * certificate", …). waitForReady does not say; a call that does not wait does.
   * An empty Leave changes nothing on a server that does answer.
   */
  function lastConnectError(): Promise<string | undefined> {
    return new Promise((resolve) => {
      client.leave(
        { participantId: "" },
        callMetadata(),
        { deadline: deadlineIn(1_000) },
        (error) => {
          const reason = /Last error: (?:\w*Error: )?(.*?)(?:\.? Resolution note:.*)?$/.exec(
            error?.details ?? "",
          );
          const text = reason?.[1]?.trim();
          // "Failed to connect (<time>)" says nothing the caller does not know.
          resolve(text && !text.startsWith("Failed to connect") ? text : undefined);
        },
      );
    });
  }

  return {
    connect: () =>
      new Promise((resolve, reject) => {
        client.waitForReady(deadlineIn(connectTimeoutMs), (error) => {
          if (!error) resolve();
          else if (closed) reject(new ChatError("unavailable", "the session is closed"));
          else {
            const seconds = connectTimeoutMs / 1000;
            void lastConnectError().then((reason) => {
              const why = reason ? `: ${reason}` : " (is it running?)";
              reject(
                new ChatError(
                  "unavailable",
                  `cannot reach the ChitChat server at ${server} within ${seconds} s${why}`,
                ),
              );
            });
          }
        });
      }),

    join: (request) =>
      call<JoinAck__Output>((cb) =>
        client.join(request, callMetadata(), { deadline: deadlineIn(callTimeoutMs) }, cb),
      ),

    // The one place a publish meets gRPC.
    async publish(request, token) {
      if (streams) {
        const key = `${request.participantId}\n${token}`;
        if (publishStream?.key !== key) {
          publishStream?.stream.close();
          publishStream = {
            key,
            stream: createPublishStream({
              client,
              participantId: request.participantId,
              sessionToken: token,
              callTimeoutMs,
            }),
          };
        }
        try {
          return await publishStream.stream.send(request);
        } catch (error) {
          if (!isServiceError(error) || error.code !== status.UNIMPLEMENTED) {
            throw toCallFailure(error);
          }
          streams = false;
          publishStream.stream.close();
          publishStream = undefined;
        }
      }
      const ack = await call<Ack>((cb) =>
        client.publish(
          request,
          callMetadata(token, true),
          { deadline: deadlineIn(callTimeoutMs) },
          cb,
        ),
      );
      return { logicalTime: ack.logicalTime, seq: ack.seq };
    },

    leave: (request, token) =>
      call<Ack>((cb) =>
        client.leave(
          request,
          callMetadata(token, true),
          { deadline: deadlineIn(callTimeoutMs) },
          cb,
        ),
      ).then((ack) => ({ logicalTime: ack.logicalTime, seq: ack.seq })),

    async listParticipants(request, token) {
      const reply = await call<ListParticipantsReply__Output>((cb) =>
        client.listParticipants(
          request,
          callMetadata(token),
          { deadline: deadlineIn(callTimeoutMs) },
          cb,
        ),
      );
      return {
        participants: reply.participants.map((p) => ({
          participantId: p.participantId,
          name: p.name,
          joinedLogicalTime: p.joinedLogicalTime,
          joinedSeq: p.joinedSeq,
          streaming: p.streaming,
        })),
        seq: reply.seq,
      };
    },

    async history(request, token) {
      const reply = await call<HistoryReply__Output>((cb) =>
        client.history(request, callMetadata(token), { deadline: deadlineIn(callTimeoutMs) }, cb),
      );
      return reply.events.flatMap((b) => fromBroadcast(b) ?? []);
    },

    subscribe(request, token, handlers) {
      let current: ClientReadableStream<unknown> | undefined;
      let cancelled = false;
      const open = () => {
        const usedBatches = batches;
        const metadata = callMetadata(token);
        const stream: ClientReadableStream<unknown> = usedBatches
          ? client.subscribeBatches(request, metadata)
          : client.subscribe(request, metadata);
        current = stream;
        let connected = false;
        let ended = false;
        let final: StatusObject | undefined;
        const mine = () => !cancelled && current === stream;
        const finish = () => {
          if (final && mine()) {
            current = undefined;
            handlers.end(final.code, final.details);
          }
        };
        stream.on("metadata", () => {
          connected = true;
          if (mine()) handlers.connected();
        });
        stream.on("data", (data: unknown) => {
          connected = true;
          const broadcasts = usedBatches
            ? (data as BroadcastBatch__Output).events
            : [data as Broadcast__Output];
          for (const broadcast of broadcasts) {
            if (!mine()) return;
            handlers.item(toItem(broadcast));
          }
        });
        // The 'status' event carries the same information; without a listener 'error' would throw.
        stream.on("error", () => {});
        stream.on("end", () => {
          ended = true;
          finish();
        });
        stream.on("status", (s: StatusObject) => {
          if (s.code === status.UNIMPLEMENTED && usedBatches && !connected && mine()) {
            // An older server: ask again the old way, at once, and from then on.
            batches = false;
            open();
            return;
          }
          final = s;
          // Events pushed just before the status may still be buffered; 'end' comes after them.
          if (ended) finish();
          else setTimeout(finish, END_AFTER_STATUS_MS);
        });
      };
      open();
      return {
        cancel() {
          cancelled = true;
          current?.cancel();
          current = undefined;
        },
      };
    },

    close() {
      closed = true;
      publishStream?.stream.close();
      publishStream = undefined;
      for (const c of calls) c.cancel();
      client.close();
    },
  };
}
