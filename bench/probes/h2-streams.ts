// Does one stream that is out of HTTP/2 flow-control window hold up the other
// streams of its connection? node:http2 only, no gRPC: a server writes small
// messages to two streams of one connection (one write in flight per stream,
// as grpc-js does); the client reads one and stops reading the other.
//
// Node.js keeps the read stream flowing. Bun 1.4.5 stops it within a second:
// its server queues every stream's DATA behind the stopped stream's
// (oven-sh/bun#43422). ChitChat's clients each have a connection of their own,
// so they never see this; a client that multiplexes subscribers on one
// connection does. Run it again after changing the Bun version.
// Run: bun bench/probes/h2-streams.ts   (exit 0: flows; exit 1: held up)
import http2 from "node:http2";

const message = Buffer.alloc(200, 120);
const SECONDS = 3;

/** One write in flight per stream; the rest wait, as in grpc-js's server call. */
function writer(stream: http2.ServerHttp2Stream): () => void {
  let waiting = 0;
  let busy = false;
  const next = () => {
    if (busy || waiting === 0 || stream.destroyed) return;
    busy = true;
    waiting -= 1;
    stream.write(message, () => {
      busy = false;
      next();
    });
  };
  return () => {
    waiting += 1;
    next();
  };
}

const writers: (() => void)[] = [];
const server = http2.createServer();
server.on("stream", (stream: http2.ServerHttp2Stream) => {
  stream.respond({ ":status": 200 });
  stream.on("error", () => {});
  writers.push(writer(stream));
});
// 20 messages per stream per millisecond, for as long as the probe runs.
const producer = setInterval(() => {
  for (let i = 0; i < 20; i += 1) for (const write of writers) write();
}, 1);

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const stopped = session.request({ ":path": "/stopped" });
  stopped.on("data", () => stopped.pause());
  const read = session.request({ ":path": "/read" });
  let bytes = 0;
  read.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  let last = 0;
  let second = 0;
  const tick = setInterval(() => {
    second += 1;
    const moved = bytes - last;
    last = bytes;
    console.log(`second ${second}: the read stream got ${moved} bytes`);
    if (moved > 0 && second < SECONDS) return;
    clearInterval(tick);
    clearInterval(producer);
    const flows = moved > 0;
    console.log(
      flows
        ? `${process.versions.bun ? `Bun ${process.versions.bun}` : `Node.js ${process.version}`}: the read stream keeps flowing beside a stopped one`
        : `held up: the read stream stopped while another stream of its connection was out of window (${process.versions.bun ? `Bun ${process.versions.bun}` : `Node.js ${process.version}`})`,
    );
    session.destroy();
    server.close();
    process.exit(flows ? 0 : 1);
  }, 1000);
});
