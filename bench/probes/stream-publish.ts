// Server CPU per publish over PublishStream: a real server process, S streams
// with K messages in flight each, the server's CPU from /proc and its own
// /metrics (commits). `--prof DIR` runs the server under bun --cpu-prof.
// Run: bun bench/probes/stream-publish.ts [--streams 32] [--inflight 1] [--count 20000]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newMessageId } from "../../src/client/message-id.ts";
import { createPublishStream } from "../../src/client/publish-stream.ts";
import { TestClient } from "../../test/support/grpc-client.ts";
import { scrape } from "../../test/support/http.ts";
import { spawnBun } from "../../test/support/process.ts";
import { serverArgs, whenListening } from "../../test/support/server-process.ts";
import { tempDir } from "../../test/support/temp.ts";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "32" },
    inflight: { type: "string", default: "1" },
    count: { type: "string", default: "20000" },
    synchronous: { type: "string", default: "full" },
    prof: { type: "string" },
  },
});
const streams = Number(values.streams);
const inflight = Number(values.inflight);
const count = Number(values.count);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

using dir = tempDir();
const db = join(dir.path, "chitchat.db");
const args = serverArgs(db, ["--synchronous", values.synchronous, "--leave-grace-ms", "3600000"]);
const flags = values.prof ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${values.prof}`] : [];
const server = await whenListening(spawnBun([...flags, ...args]));
const client = new TestClient(server.address);
const senders = await Promise.all(
  Array.from({ length: streams }, async (_, i) => {
    const who = await client.join(`p${i}`);
    return createPublishStream({
      client: client.raw,
      participantId: who.participantId,
      sessionToken: who.sessionToken,
      callTimeoutMs: 120_000,
    });
  }),
);
let next = 0;
const run = async (n: number) => {
  const stop = next + n;
  await Promise.all(
    senders.flatMap((s) =>
      Array.from({ length: inflight }, async () => {
        while (next < stop) {
          next += 1;
          await s.send({ content: `m ${next}`, logicalTime: 0, messageId: newMessageId() });
        }
      }),
    ),
  );
};
await run(1000); // warm up
const before = await scrape(server.adminUrl);
const cpu0 = cpuSeconds(server.proc.pid);
const started = performance.now();
await run(count);
const seconds = (performance.now() - started) / 1000;
const cpu = cpuSeconds(server.proc.pid) - cpu0;
const after = await scrape(server.adminUrl);
const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
const commits = delta("chitchat_append_commit_seconds_count");
console.log(
  `${streams} streams × ${inflight} in flight, synchronous=${values.synchronous}: ` +
    `${(count / seconds).toFixed(0)} acks/s; ${(count / commits).toFixed(1)} events per commit, ` +
    `${((1000 * delta("chitchat_append_commit_seconds_sum")) / commits).toFixed(2)} ms each; ` +
    `server CPU ${((100 * cpu) / seconds).toFixed(0)}%, ${((cpu / count) * 1e6).toFixed(0)} µs per publish`,
);
for (const s of senders) s.close();
client.close();
await server.kill("SIGTERM");
