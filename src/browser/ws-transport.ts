// The chat session's transport in a browser: the JSON frames of /ws (README
// "The WebSocket") over one WebSocket, reopened whenever a call needs it.
// Uses only the standard WebSocket API, so Bun runs it in tests too.
import { CallFailure, Status } from "../client/call-status.ts";
import type { Ack, ChatTransport, JoinReply, StreamHandlers } from "../client/transport.ts";
import type { ClientFrame, ServerFrame } from "../protocol/ws-frames.ts";

export interface WsTransportOptions {
  /** The socket's address, e.g. ws://127.0.0.1:8080/ws. */
  url: string;
  /** How long a request waits for its answer before it fails DEADLINE_EXCEEDED. */
  callTimeoutMs?: number;
}

type Pending = {
  resolve: (frame: ServerFrame) => void;
  reject: (failure: CallFailure) => void;
  timer: ReturnType<typeof setTimeout>;
};

// A frame type without its id, as calls hand it over.
type Request = ClientFrame extends infer F
  ? F extends ClientFrame
    ? Omit<F, "id">
    : never
  : never;

export function createWsTransport({
  url,
  callTimeoutMs = 10_000,
}: WsTransportOptions): ChatTransport {
  let socket: WebSocket | undefined;
  let opening: Promise<WebSocket> | undefined;
  let closed = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const streams = new Map<number, StreamHandlers>();
  const lost = () => new CallFailure(Status.UNAVAILABLE, `lost the connection to ${url}`);

  function receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    const id = typeof frame.id === "number" ? frame.id : -1;
    const stream = streams.get(id);
    if (stream) {
      switch (frame.type) {
        case "subscribed":
          stream.connected();
          return;
        case "events":
          for (const e of frame.events) {
            // The handler may drop this stream mid-batch (a hole in seq).
            if (streams.get(id) !== stream) return;
            stream.item({
              type: "event",
              seq: e.seq,
              logicalTime: e.logicalTime,
              event: { ...e, replayed: frame.replayed },
            });
          }
          return;
        case "heartbeat":
          stream.item({ type: "heartbeat", seq: frame.seq, logicalTime: frame.logicalTime });
          return;
        case "end":
          streams.delete(id);
          stream.end(Status.OK, "");
          return;
        case "error":
          streams.delete(id);
          stream.end(frame.status, frame.message);
          return;
        default:
          return;
      }
    }
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    clearTimeout(call.timer);
    if (frame.type === "error") {
      call.reject(new CallFailure(frame.status, frame.message, frame.retryAfterMs));
    } else call.resolve(frame);
  }

  function dropped(ws: WebSocket): void {
    if (socket !== ws) return;
    socket = undefined;
    for (const [id, call] of pending) {
      pending.delete(id);
      clearTimeout(call.timer);
      call.reject(lost());
    }
    for (const [id, stream] of streams) {
      streams.delete(id);
      stream.end(Status.UNAVAILABLE, `lost the connection to ${url}`);
    }
  }

  function open(): Promise<WebSocket> {
    if (closed) return Promise.reject(new CallFailure(Status.UNAVAILABLE, "the session is closed"));
    if (socket?.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      let up = false;
      ws.onopen = () => {
        up = true;
        opening = undefined;
        if (closed) {
          ws.close();
          reject(new CallFailure(Status.UNAVAILABLE, "the session is closed"));
          return;
        }
        socket = ws;
        resolve(ws);
      };
      ws.onmessage = (event) => receive(event.data);
      ws.onclose = () => {
        if (up) dropped(ws);
        else {
          opening = undefined;
          reject(new CallFailure(Status.UNAVAILABLE, `cannot reach the ChitChat server at ${url}`));
        }
      };
    });
    return opening;
  }

  async function request(frame: Request): Promise<ServerFrame> {
    const ws = await open();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(
          new CallFailure(
            Status.DEADLINE_EXCEEDED,
            `no answer from ${url} within ${callTimeoutMs / 1000} s`,
          ),
        );
      }, callTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  const ack = (frame: ServerFrame): Ack => {
    if (frame.type !== "published" && frame.type !== "left") {
      throw new CallFailure(Status.INTERNAL, `unexpected answer ${frame.type}`);
    }
    return { logicalTime: frame.logicalTime, seq: frame.seq };
  };

  return {
    connect: () => open().then(() => {}),

    join: async (req): Promise<JoinReply> => {
      const frame = await request({ type: "join", ...req });
      if (frame.type !== "joined")
        throw new CallFailure(Status.INTERNAL, `unexpected answer ${frame.type}`);
      return frame;
    },

    publish: async (req, sessionToken) =>
      ack(await request({ type: "publish", ...req, sessionToken })),

    leave: async (req, sessionToken) => ack(await request({ type: "leave", ...req, sessionToken })),

    subscribe(req, sessionToken, handlers) {
      const id = nextId++;
      let cancelled = false;
      open().then(
        (ws) => {
          if (cancelled) return;
          streams.set(id, handlers);
          ws.send(JSON.stringify({ type: "subscribe", id, ...req, sessionToken }));
        },
        (failure: CallFailure) => {
          if (!cancelled) handlers.end(failure.code, failure.details);
        },
      );
      return {
        cancel() {
          cancelled = true;
          streams.delete(id);
        },
      };
    },

    close() {
      closed = true;
      const ws = socket;
      if (ws) dropped(ws);
      ws?.close();
    },
  };
}
