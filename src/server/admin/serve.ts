export interface AdminListenOptions {
  host: string;
  /** 0 picks any free port; `url` then names the bound one. */
  port: number;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string; key: string } | undefined;
}

/** A bound admin API. */
export interface AdminServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves the admin app with Bun's HTTP server; throws if the port cannot be bound. */
export function listenAdmin(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  { host, port, tls }: AdminListenOptions,
): AdminServer {
  const server = Bun.serve({ hostname: host, port, fetch: app.fetch, ...(tls ? { tls } : {}) });
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${tls ? "https" : "http"}://${shown}:${server.port}`,
    stop: () => server.stop(true),
  };
}
