// The terminal client's session: the shared session logic (chat-session.ts)
// over gRPC (grpc-transport.ts).
import { type ChannelCredentials, credentials } from "@grpc/grpc-js";
import { DEFAULT_BACKOFF } from "./backoff.ts";
import { type ChatSession, createSession, type SessionOptions } from "./chat-session.ts";
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
  /** "host:port" of the ChitChat server. */
  server: string;
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
  ...options
}: ChatSessionOptions): ChatSession {
  const transport = createGrpcTransport({
    server,
    credentials: channelCredentials,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    connectTimeoutMs,
    callTimeoutMs,
  });
  return createSession({ ...options, transport });
}
