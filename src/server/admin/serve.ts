import type { Server, WebSocketHandler } from "bun";
import type { SocketData } from "../ws/socket-sink.ts";

export interface AdminListenOptions {
  host: string;
  /** 0 picks any free port; `url` then names the bound one. */
  port: number;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string; key: string } | undefined;
  /** The chat's WebSocket (see createChatSockets); the app's /ws route upgrades to it. */
  websocket?: WebSocketHandler<SocketData> | undefined;
}

/** A bound admin API. */
export interface AdminServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves the admin app with Bun's HTTP server; throws if the port cannot be bound. */
export function listenAdmin(
  app: { fetch: (request: Request, env: Server<SocketData>) => Response | Promise<Response> },
  { host, port, tls, websocket }: AdminListenOptions,
): AdminServer {
  const server = Bun.serve({
    hostname: host,
    port,
    // Hono hands the Bun server to routes as `c.env`: /ws upgrades through it.
    fetch: (request, bun) => app.fetch(request, bun),
    // Only the /ws route upgrades, and it exists only when `websocket` was given.
    websocket: websocket ?? { message: () => {} },
    ...(tls ? { tls } : {}),
  });
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${tls ? "https" : "http"}://${shown}:${server.port}`,
    stop: () => server.stop(true),
  };
}
