// The disk's fsync latency: the floor under a durable publish's latency (every
// acked publish waits for one). Appends 8 KiB (about one commit's WAL frames)
// and fsyncs, one after another, for a few seconds, in a temp folder on the
// same filesystem as the bench's logs; prints the distribution.
// Run: bun bench/probes/fsync.ts [--seconds 5] [--dir /tmp]
import { closeSync, fsync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { quantiles } from "../lib/stats.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    dir: { type: "string", default: tmpdir() },
  },
});
const dir = mkdtempSync(join(values.dir, "chitchat-fsync-"));
const fd = openSync(join(dir, "wal"), "w");
const page = Buffer.alloc(8192, 7);
const times: number[] = [];
const end = performance.now() + 1000 * Number(values.seconds);
try {
  while (performance.now() < end) {
    const start = performance.now();
    writeSync(fd, page);
    await new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
    times.push(performance.now() - start);
  }
} finally {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
const [p50, p99, p999, max] = quantiles(times, [0.5, 0.99, 0.999, 1]) as number[];
const fmt = (v: number | undefined) => (v ?? Number.NaN).toFixed(2);
console.log(
  `${times.length} write+fsync in ${values.seconds} s: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, p999 ${fmt(p999)} ms, max ${fmt(max)} ms (load ${
    (await Bun.file("/proc/loadavg").text()).split(" ")[0]
  })`,
);
