// Where a durable publish's time goes: a real server process, N publishes in
// flight, and the server's own /metrics (commits, events per commit, commit
// time) with its CPU from /proc. Run: bun bench/probes/commit-breakdown.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { publishMany, TestClient } from "../../test/support/grpc-client.ts";
import { scrape } from "../../test/support/http.ts";
import { spawnBun } from "../../test/support/process.ts";
import { serverArgs, whenListening } from "../../test/support/server-process.ts";
import { tempDir } from "../../test/support/temp.ts";

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

for (const synchronous of ["full", "normal"]) {
  for (const inFlight of [1, 32, 128]) {
    using dir = tempDir();
    const db = join(dir.path, "chitchat.db");
    const server = await whenListening(
      spawnBun(serverArgs(db, ["--synchronous", synchronous, "--leave-grace-ms", "3600000"])),
    );
    const client = new TestClient(server.address);
    const who = await client.join("Bo");
    await publishMany(client, who, 200, { concurrency: inFlight }); // warm up
    const before = await scrape(server.adminUrl);
    const cpu0 = cpuSeconds(server.proc.pid);
    const started = performance.now();
    const count = inFlight === 1 ? 1500 : 6000;
    await publishMany(client, who, count, { concurrency: inFlight });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(server.proc.pid) - cpu0;
    const after = await scrape(server.adminUrl);
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    const commits = delta("chitchat_append_commit_seconds_count");
    const commitSeconds = delta("chitchat_append_commit_seconds_sum");
    console.log(
      `synchronous=${synchronous}, ${inFlight} in flight: ${(count / seconds).toFixed(0)} acks/s; ` +
        `${(count / commits).toFixed(1)} events per commit; a commit takes ` +
        `${((1000 * commitSeconds) / commits).toFixed(2)} ms, ` +
        `${((100 * commitSeconds) / seconds).toFixed(0)}% of the time; server CPU ` +
        `${((100 * cpu) / seconds).toFixed(0)}%, ${((cpu / count) * 1e6).toFixed(0)} µs per publish`,
    );
    client.close();
    await server.kill("SIGTERM");
  }
}
