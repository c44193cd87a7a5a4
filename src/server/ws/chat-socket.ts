// The browser's transport: the gRPC contract as JSON frames over a WebSocket
// (README "The WebSocket"). Every request goes through the same validation and
// the same hub as the gRPC handlers in service.ts; only the framing differs.
import * as grpc from "@grpc/grpc-js";
import type { Server, WebSocketHandler } from "bun";
import { ChatError } from "../../protocol/errors.ts";
import type { ClientFrame, RequestId, ServerFrame, StatusName } from "../../protocol/ws-frames.ts";
import type { Hub, Participant } from "../hub.ts";
import type { Logger } from "../logger.ts";
import type { ChatMetrics } from "../metrics.ts";
import { checkLogicalTime, createPublish, invalid, joinChat } from "../requests.ts";
import { GRPC_STATUS } from "../status.ts";
import { parseClientFrame } from "./parse-frame.ts";
import { type ChatSocket, type SocketData, socketSink } from "./socket-sink.ts";

export interface ChatSocketOptions {
  hub: Hub;
  logger: Logger;
  metrics: ChatMetrics;
  /** Largest frame accepted, in bytes (the gRPC --max-message-bytes). */
  maxFrameBytes: number;
}

/** The WebSocket side of the HTTP listener: the upgrade and Bun's socket handler. */
export interface ChatSockets {
  /** Upgrades a request for /ws; undefined once upgraded, else the answer to send. */
  upgrade(request: Request, server: Server<SocketData>): Response | undefined;
  readonly websocket: WebSocketHandler<SocketData>;
}

/**
 * Bytes a socket may have queued unsent before Bun closes it. The cursor stops
 * writing at MAX_PENDING_BYTES and waits for drain, so only answers to a flood
 * of requests from a client that reads nothing can get here.
 */
const BACKPRESSURE_LIMIT = 4 * 1024 * 1024;

/** Refusals as error frames: the gRPC status and sentence the same failure gets there. */
function errorFrame(error: unknown, id: RequestId, logger: Logger): ServerFrame {
  if (error instanceof ChatError) {
    const status = GRPC_STATUS[error.code];
    const frame: ServerFrame = {
      type: "error",
      id,
      code: grpc.status[status] as StatusName,
      status,
      message: error.message,
    };
    if (error.retryAfterMs !== undefined) frame.retryAfterMs = error.retryAfterMs;
    return frame;
  }
  logger.error("internal_error", {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return {
    type: "error",
    id,
    code: "INTERNAL",
    status: grpc.status.INTERNAL,
    message: "internal server error",
  };
}

export function createChatSockets({
  hub,
  logger,
  metrics,
  maxFrameBytes,
}: ChatSocketOptions): ChatSockets {
  const send = (ws: ChatSocket, frame: ServerFrame) => ws.send(JSON.stringify(frame));
  // Publish's checks and way into the log, as gRPC's Publish and PublishStream have them.
  const publish = createPublish({ hub, metrics, logger });

  const ensureOpen = () => {
    if (hub.closing) throw new ChatError("unavailable", "server shutting down");
  };

  async function authenticate(frame: {
    participantId: string;
    sessionToken: string;
  }): Promise<Participant> {
    if (frame.participantId === "") throw invalid("participant_id is required");
    if (frame.sessionToken === "") {
      throw new ChatError(
        "unauthenticated",
        "missing session token: send the sessionToken from your join",
      );
    }
    return await hub.authenticate(frame.participantId, frame.sessionToken);
  }

  async function subscribe(
    ws: ChatSocket,
    frame: Extract<ClientFrame, { type: "subscribe" }>,
  ): Promise<void> {
    const id = frame.id ?? null;
    hub.checkLogId(frame.logId);
    const participant = await authenticate(frame);
    ws.data.detach?.();
    send(ws, { type: "subscribed", id, since: frame.since });
    const sink = socketSink(ws, id, metrics, (error) =>
      JSON.stringify(errorFrame(error, id, logger)),
    );
    const cursor = await hub.subscribe(
      participant,
      { since: frame.since, logId: frame.logId },
      sink,
    );
    if (frame.since >= participant.joinedAt) metrics.subscriberResumed();
    // The socket may have closed while the hub was subscribing.
    if (ws.readyState !== WebSocket.OPEN) cursor.detach();
    else ws.data.detach = () => cursor.detach();
  }

  async function answer(ws: ChatSocket, frame: ClientFrame): Promise<ServerFrame | undefined> {
    const id = frame.id ?? null;
    ensureOpen();
    switch (frame.type) {
      case "join":
        return { type: "joined", id, ...(await joinChat(hub, frame)) };
      case "subscribe":
        await subscribe(ws, frame);
        return undefined;
      case "publish": {
        try {
          const ack = await publish(await authenticate(frame), frame);
          return { type: "published", id, ...ack };
        } catch (error) {
          metrics.publishRejected(error instanceof ChatError ? error.code : "internal");
          throw error;
        }
      }
      case "leave": {
        const participant = await authenticate(frame);
        const logicalTime = checkLogicalTime(frame.logicalTime);
        const event = await hub.leave(participant, logicalTime);
        return { type: "left", id, logicalTime: event.logicalTime, seq: event.seq };
      }
    }
  }

  function receive(ws: ChatSocket, message: string | Buffer): void {
    if (typeof message !== "string") {
      send(ws, errorFrame(invalid("frames must be text (JSON), not binary"), null, logger));
      return;
    }
    const bytes = Buffer.byteLength(message);
    if (bytes > maxFrameBytes) {
      const tooBig = new ChatError(
        "resource_exhausted",
        `frame of ${bytes} bytes is larger than the limit of ${maxFrameBytes} bytes`,
      );
      send(ws, errorFrame(tooBig, null, logger));
      return;
    }
    const parsed = parseClientFrame(message);
    if (!parsed.ok) {
      send(ws, errorFrame(invalid(parsed.reason), parsed.id, logger));
      return;
    }
    const id = parsed.frame.id ?? null;
    answer(ws, parsed.frame).then(
      (reply) => {
        if (reply) send(ws, reply);
      },
      (error) => send(ws, errorFrame(error, id, logger)),
    );
  }

  return {
    upgrade(request, server) {
      if (server.upgrade(request, { data: {} })) return undefined;
      return Response.json(
        { error: "this endpoint is a WebSocket: connect with a WebSocket client" },
        { status: 426, headers: { Upgrade: "websocket" } },
      );
    },
    websocket: {
      // Far above the frame limit: a bigger frame gets an error frame, a huge one a closed socket.
      maxPayloadLength: Math.max(maxFrameBytes * 4, 64 * 1024),
      backpressureLimit: BACKPRESSURE_LIMIT,
      closeOnBackpressureLimit: true,
      message: receive,
      drain: (ws) => ws.data.onDrain?.(),
      close: (ws) => {
        ws.data.detach?.();
        ws.data.detach = undefined;
        ws.data.onDrain = undefined;
      },
    },
  };
}
