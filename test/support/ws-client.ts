// A real WebSocket client for /ws (Bun's WebSocket), recording every frame.
import type { ChatEventRecord } from "../../src/protocol/events.ts";
import type { ServerFrame } from "../../src/protocol/ws-frames.ts";
import { waitFor } from "./wait.ts";

export type Frame = ServerFrame;

export interface TestSocket extends AsyncDisposable {
  /** Every frame received, in order. */
  readonly frames: Frame[];
  /** Sends a frame (an object is sent as JSON, a string or bytes as they are). */
  send(frame: object | string | Uint8Array): void;
  /** Sends a request with a fresh id and waits for the first answer to it. */
  request(frame: object): Promise<Frame>;
  /** Waits for a frame matching `match` that arrived after index `from`. */
  next(match: (frame: Frame) => boolean, what: string, from?: number): Promise<Frame>;
  /** Events from `events` frames, in order. */
  events(): (ChatEventRecord & { replayed: boolean })[];
  /** Resolves with the close code once the socket closed. */
  readonly closed: Promise<number>;
  close(): Promise<void>;
}

let nextId = 1;

/** Connects to `<http url>/ws` and resolves once the socket is open. */
export async function openSocket(httpUrl: string): Promise<TestSocket> {
  const ws = new WebSocket(`${httpUrl.replace(/^http/, "ws")}/ws`);
  const frames: Frame[] = [];
  ws.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
  const closed = new Promise<number>((resolve) =>
    ws.addEventListener("close", (event) => resolve(event.code)),
  );
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`cannot open ${httpUrl}/ws`)));
  });
  const next = (match: (frame: Frame) => boolean, what: string, from = 0) =>
    waitFor(() => frames.slice(from).find(match), { what });
  const close = async () => {
    if (ws.readyState !== WebSocket.CLOSED) {
      ws.close();
      await closed;
    }
  };
  return {
    frames,
    send: (frame) =>
      ws.send(
        typeof frame === "string" || frame instanceof Uint8Array ? frame : JSON.stringify(frame),
      ),
    request(frame) {
      const id = `r${nextId++}`;
      ws.send(JSON.stringify({ ...frame, id }));
      return next(
        (f) =>
          f.id === id && f.type !== "events" && f.type !== "heartbeat" && f.type !== "subscribed",
        `an answer to ${JSON.stringify(frame)}`,
      );
    },
    next,
    events: () =>
      frames.flatMap((f) =>
        f.type === "events" ? f.events.map((e) => ({ ...e, replayed: f.replayed })) : [],
      ),
    closed,
    close,
    [Symbol.asyncDispose]: close,
  };
}
