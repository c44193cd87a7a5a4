// A real TCP proxy (node:net) between clients and a server, for injecting
// network faults: cut every connection, drop the server's bytes, rewrite them.
import { createConnection, createServer, type Socket } from "node:net";

/** Rewrites the bytes one connection's server sends, in order (may hold some back). */
export type ByteFilter = (chunk: Buffer) => Buffer;

export interface TcpProxyOptions {
  /** "host:port" new connections go to; `retarget` changes it. */
  target: string;
  /** A fresh filter per connection for the server→client bytes. */
  serverToClient?: () => ByteFilter;
}

export interface TcpProxy extends AsyncDisposable {
  /** "127.0.0.1:port" to give clients instead of the server's address. */
  readonly address: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Where new connections go from now on (a restarted server's address). */
  retarget(target: string): void;
  /** Destroys every open connection, both sides, at once; returns how many. */
  cut(): number;
  /**
   * While on, bytes from the server are dropped instead of forwarded (requests
   * still arrive; answers never do). Connections stay open.
   */
  blackhole(on: boolean): void;
  /**
   * While on, nothing is forwarded either way, and connections stay open: to
   * the server the client has vanished without a word (a peer whose machine
   * lost power, a network that went away).
   */
  freeze(on: boolean): void;
  close(): Promise<void>;
}

function split(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  return {
    host: address.slice(0, at).replace(/^\[|\]$/g, ""),
    port: Number(address.slice(at + 1)),
  };
}

/** Starts a proxy on a free loopback port. */
export async function startTcpProxy({
  target,
  serverToClient,
}: TcpProxyOptions): Promise<TcpProxy> {
  let to = split(target);
  let dropping = false;
  let frozen = false;
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();

  const server = createServer((client) => {
    accepted += 1;
    const upstream = createConnection(to);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const filter = serverToClient?.();
    const teardown = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (dropping || frozen) return;
      const out = filter ? filter(chunk) : chunk;
      if (out.length > 0) client.write(out);
    });
    for (const socket of pair) {
      socket.on("error", teardown);
      socket.on("close", teardown);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  const cut = () => {
    const n = pairs.size;
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    return n;
  };
  const close = async () => {
    cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    address: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    retarget(next) {
      to = split(next);
    },
    cut,
    blackhole(on) {
      dropping = on;
    },
    freeze(on) {
      frozen = on;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
