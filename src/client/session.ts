// The terminal client's session: the shared session logic (chat-session.ts)
// over gRPC (grpc-transport.ts).
import { type ChannelCredentials, credentials } from "@grpc/grpc-js";
import { DEFAULT_BACKOFF } from "./backoff.ts";
import { type ChatSession, createSession, type SessionOptions } from "./chat-session.ts";
import { createFailoverTransport } from "./failover-transport.ts";
import { createGrpcTransport } from "./grpc-transport.ts";

export type {
  Ack,
  ChatEvent,
  ChatSession,
  JoinInfo,
  PresentParticipant,
  SessionEnd,
  SessionState,
  SessionStatus,
} from "./chat-session.ts";

export interface ChatSessionOptions extends Omit<SessionOptions, "transport"> {
  /**
   * "host:port" of the ChitChat server, or several servers sharing one log,
   * comma-separated: the session uses the first that answers and moves to the
   * next when one fails.
   */
  server: string;
  /** Hears the session move from one of several servers to another. */
  onSwitch?: (from: string, to: string, why: string) => void;
  credentials?: ChannelCredentials;
  /** How long join() waits for the server to be reachable. */
  connectTimeoutMs?: number;
  /** Deadline of each Join/Publish/Leave attempt. */
  callTimeoutMs?: number;
}

/** Builds an unstarted gRPC session; nothing touches the network before join(). */
export function createChatSession({
  server,
  credentials: channelCredentials = credentials.createInsecure(),
  connectTimeoutMs = 10_000,
  callTimeoutMs = 5_000,
  onSwitch = () => {},
  ...options
}: ChatSessionOptions): ChatSession {
  const servers = server.split(",").map((one) => one.trim());
  const transports = servers.map((one) =>
    createGrpcTransport({
      server: one,
      credentials: channelCredentials,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      connectTimeoutMs,
      callTimeoutMs,
    }),
  );
  const transport =
    transports.length === 1
      ? (transports[0] as (typeof transports)[number])
      : createFailoverTransport(transports, {
          onSwitch: (from, to, why) => onSwitch(servers[from] ?? "", servers[to] ?? "", why),
        });
  return createSession({ ...options, transport });
}
