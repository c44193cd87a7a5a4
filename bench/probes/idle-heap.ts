// What idle subscribers cost a server process, split the way the RSS figure of
// `bun run bench --only memory` cannot be: RSS, and the JS heap after a forced
// full collection (live bytes, capacity), with none and with N subscribers
// (joined and subscribed by the bench's own workers, each on its own
// connection). Live heap per subscriber is steady run to run; RSS per
// subscriber moves with where the collector happened to be (docs/PERFORMANCE.md).
// With `--roots a,b` the runs alternate between checkouts; `--bare` measures
// the bare grpc-js baseline instead.
// Run: bun bench/probes/idle-heap.ts [--subscribers 1000] [--runs 3] [--roots DIR,DIR] [--bare]
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../../test/support/process.ts";
import { tempDir } from "../../test/support/temp.ts";
import { waitFor } from "../../test/support/wait.ts";
import { rssBytes } from "../lib/proc-stats.ts";
import { type BenchServer, spawnListening } from "../lib/server.ts";
import { startWorker } from "../lib/worker.ts";
import type { SubscribersApi } from "../workers/subscribers.ts";

const { values } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    roots: { type: "string", default: ROOT },
    bare: { type: "boolean", default: false },
  },
});
const count = Number(values.subscribers);
const runs = Number(values.runs);
const roots = (values.roots as string).split(",");
const PRELOAD = join(ROOT, "bench/probes/heap-on-signal.ts");
const WORKERS = 4;

interface Reading {
  rss: number;
  live: number;
  capacity: number;
}

async function read(server: BenchServer, out: string): Promise<Reading> {
  // The bench's settling, roughly: RSS once the subscribes are over.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rss = rssBytes(server.pid);
  rmSync(out, { force: true });
  process.kill(server.pid, "SIGUSR2");
  const heap = await waitFor(
    () => {
      try {
        return existsSync(out) && JSON.parse(readFileSync(out, "utf8"));
      } catch {
        return undefined; // written but not yet complete
      }
    },
    { what: "the server's heap figures" },
  );
  return { rss, live: heap.live, capacity: heap.capacity };
}

async function measure(root: string): Promise<[Reading, Reading]> {
  using dir = tempDir("chitchat-idle-heap-");
  const out = join(dir.path, "heap.json");
  const script = values.bare
    ? [join(root, "bench/baselines/grpc-fanout-server.ts"), "--port", "0"]
    : [
        join(root, "src/server/main.ts"),
        ...["--port", "0", "--admin-port", "0", "--db", join(dir.path, "probe.db")],
        ...["--publish-rate", "0", "--leave-grace-ms", "3600000"],
        ...["--max-participants", "100000"],
      ];
  const server = await spawnListening(["--preload", PRELOAD, ...script], { HEAP_PROBE_OUT: out });
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    startWorker<SubscribersApi>("bench/workers/subscribers.ts", `subscribers-${i}`),
  );
  try {
    const none = await read(server, out);
    const shares = workers.map(
      (_, i) => Math.floor(count / WORKERS) + (i < count % WORKERS ? 1 : 0),
    );
    const joined = await Promise.all(
      workers.map((w, i) =>
        w.call("join", { address: server.address, count: shares[i] as number, prefix: `s${i}-` }),
      ),
    );
    const since = Math.max(...joined.map((j) => j.maxLogicalTime));
    await Promise.all(
      workers.map((w) =>
        w.call("subscribe", { since, recordLatency: false, batches: !values.bare }),
      ),
    );
    return [none, await read(server, out)];
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await server.stop();
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const kb = (bytes: number) => (bytes / count / 1024).toFixed(2);
for (let run = 0; run < runs * roots.length; run++) {
  const root = roots[run % roots.length] as string;
  const [none, some] = await measure(root);
  console.log(
    `${root}${values.bare ? " (bare)" : ""}: RSS ${mb(none.rss)} -> ${mb(some.rss)} MB ` +
      `(${kb(some.rss - none.rss)} KB per subscriber); live heap ${mb(none.live)} -> ${mb(some.live)} MB ` +
      `(${kb(some.live - none.live)} KB per subscriber); heap capacity ${mb(none.capacity)} -> ${mb(some.capacity)} MB`,
  );
}
process.exit(0);
