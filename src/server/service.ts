import type * as grpc from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { ChatError } from "../protocol/errors.ts";
import type {
  ChitChatHandlers,
  HistoryReply,
  JoinAck,
  LeaveAck,
  ListParticipantsReply,
  PublishAck,
  SubscribeRequest__Output,
} from "../protocol/proto.ts";
import type { EventLog } from "../store/event-log.ts";
import { toBroadcast } from "./broadcast-bytes.ts";
import type { Cursor, EventSink } from "./cursor.ts";
import type { Hub, Participant } from "./hub.ts";
import type { Logger } from "./logger.ts";
import type { ChatMetrics } from "./metrics.ts";
import { type PublishStreamHandle, servePublishStream } from "./publish-stream.ts";
import { checkLogicalTime, createPublish, invalid, joinChat } from "./requests.ts";
import { bearerToken } from "./sessions.ts";
import { toServiceError } from "./status.ts";
import { batchSink, broadcastSink } from "./stream-sinks.ts";
import { type Guarded, WIRE_PROBLEM } from "./wire-guard.ts";

export interface ChatServiceOptions {
  hub: Hub;
  /** What History reads (the hub's own reads go through the hub). */
  log: Pick<EventLog, "top" | "readBefore">;
  logger: Logger;
  metrics: ChatMetrics;
}

/** Most events one History call returns. */
export const HISTORY_RPC_MAX_LIMIT = 1000;

/** Rejects requests whose bytes were not a valid message (see wire-guard.ts). */
function wellFormed<T extends object>(request: Guarded<T>): T {
  const problem = request[WIRE_PROBLEM];
  if (problem !== undefined) throw invalid(problem);
  return request;
}

function authenticate(
  hub: Hub,
  call: { metadata: grpc.Metadata },
  participantId: string,
): Promise<Participant> {
  if (participantId === "") throw invalid("participant_id is required");
  const header = call.metadata.get("authorization")[0];
  const token = bearerToken(header);
  if (header !== undefined && token === undefined) {
    throw new ChatError(
      "unauthenticated",
      "malformed authorization metadata: expected 'Bearer <session_token>'",
    );
  }
  return hub.authenticate(participantId, token);
}

/** The gRPC handlers, and what shutdown must do to the streams they hold. */
export interface ChatService {
  handlers: ChitChatHandlers;
  /** Ends every PublishStream UNAVAILABLE once its pending results are written. */
  closeStreams(): void;
}

/** The gRPC handlers: decode, validate, authenticate, hand to the hub, answer. */
export function createChatService({ hub, log, logger, metrics }: ChatServiceOptions): ChatService {
  const publishStreams = new Set<PublishStreamHandle>();

  /** Publish's checks and store, shared by Publish and PublishStream (and the WebSocket). */
  const store = createPublish({ hub, metrics, logger });

  const unary =
    <Req extends object, Res>(
      handle: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
      onError?: (error: unknown) => void,
    ) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      Promise.resolve()
        .then(() => {
          if (hub.closing) throw new ChatError("unavailable", "server shutting down");
          return handle(wellFormed(call.request), call);
        })
        .then(
          (response) => callback(null, response),
          (error) => {
            onError?.(error);
            callback(toServiceError(error, logger));
          },
        );
    };

  /** Subscribe and SubscribeBatches: the same checks and cursor, a different sink. */
  const subscribe = (
    call: grpc.ServerWritableStream<SubscribeRequest__Output, unknown>,
    sink: EventSink,
  ) => {
    let cursor: Cursor | undefined;
    let gone = false;
    const detach = () => {
      gone = true;
      cursor?.detach();
    };
    call.on("cancelled", detach);
    call.on("close", detach);
    const open = async () => {
      if (hub.closing) throw new ChatError("unavailable", "server shutting down");
      const request = wellFormed(call.request);
      // A resume against a different log is refused first: the participant
      // it names may not exist here at all.
      hub.checkLogId(request.logId);
      const participant = await authenticate(hub, call, request.participantId);
      // Headers now, so the client knows it is connected before the first event.
      call.sendMetadata(new Metadata());
      cursor = await hub.subscribe(
        participant,
        { since: request.since, logId: request.logId },
        sink,
      );
      // The peer went away while the stream was being set up.
      if (gone) cursor.detach();
      // A first stream starts before the participant's own JOIN; a resume starts after it.
      if (request.since >= participant.joinedAt) metrics.subscriberResumed();
    };
    open().catch((error) => {
      call.emit("error", toServiceError(error, logger));
    });
  };

  const handlers: ChitChatHandlers = {
    Join: unary((request): Promise<JoinAck> => joinChat(hub, request)),

    Publish: unary(
      async (request, call): Promise<PublishAck> => {
        metrics.publishReceived("Publish");
        return store(await authenticate(hub, call, request.participantId), request);
      },
      (error) => metrics.publishRejected(error instanceof ChatError ? error.code : "internal"),
    ),

    PublishStream: (call) => {
      if (hub.closing) {
        call.emit(
          "error",
          toServiceError(new ChatError("unavailable", "server shutting down"), logger),
        );
        return;
      }
      const handle = servePublishStream<Participant>(
        call,
        {
          // Once per stream; awaited, so an asynchronous hub fits as it is.
          authenticate: async (c, participantId) => await authenticate(hub, c, participantId),
          alive: (participant) => participant.state === "present",
          publish: store,
          wellFormed,
          logger,
          rejected: (reason) => metrics.publishRejected(reason),
          received: () => metrics.publishReceived("PublishStream"),
          held: (count) => metrics.publishStreamHeld(count),
          paused: (reason) => {
            logger.debug("publish_stream_paused", { reason });
            metrics.publishStreamPaused(reason);
          },
        },
        () => publishStreams.delete(handle),
      );
      publishStreams.add(handle);
    },

    Leave: unary(async (request, call): Promise<LeaveAck> => {
      const participant = await authenticate(hub, call, request.participantId);
      const logicalTime = checkLogicalTime(request.logicalTime);
      const event = await hub.leave(participant, logicalTime);
      return { logicalTime: event.logicalTime, seq: event.seq };
    }),

    ListParticipants: unary(async (request, call): Promise<ListParticipantsReply> => {
      await authenticate(hub, call, request.participantId);
      const { seq } = await log.top();
      const present = (await hub.participants())
        .filter((p) => p.state === "present")
        .sort((a, b) => a.joinedSeq - b.joinedSeq);
      return {
        participants: present.map((p) => ({
          participantId: p.id,
          name: p.name,
          joinedLogicalTime: p.joinedAt,
          joinedSeq: p.joinedSeq,
          streaming: p.cursor !== undefined,
        })),
        seq,
      };
    }),

    History: unary(async (request, call): Promise<HistoryReply> => {
      await authenticate(hub, call, request.participantId);
      const { limit } = request;
      if (limit < 1 || limit > HISTORY_RPC_MAX_LIMIT) {
        throw invalid(`limit must be between 1 and ${HISTORY_RPC_MAX_LIMIT} (got ${limit})`);
      }
      const top = await log.top();
      const events = await log.readBefore(top.logicalTime + 1, limit);
      return { events: events.map((event) => toBroadcast(event, true)) };
    }),

    Subscribe: (call) => subscribe(call, broadcastSink(call, { logger, metrics })),
    SubscribeBatches: (call) => subscribe(call, batchSink(call, { logger, metrics })),
  };
  return {
    handlers,
    closeStreams() {
      for (const stream of [...publishStreams]) stream.close();
    },
  };
}
