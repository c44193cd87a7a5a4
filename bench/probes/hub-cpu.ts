// CPU per publish through the hub and the SQLite store, in one process, with no
// gRPC: the part the async store interface changed. CPU time (not wall time),
// so a busy machine moves it less; compare two trees by alternating runs:
//   bun bench/probes/hub-cpu.ts [publishes] [inflight] [subscribers]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventSink } from "../../src/server/cursor.ts";
import { createHub } from "../../src/server/hub.ts";
import { silentLogger } from "../../src/server/logger.ts";
import { openEventLog } from "../../src/store/open.ts";

const total = Number(process.argv[2] ?? 20_000);
const inflight = Number(process.argv[3] ?? 32);
const subscribers = Number(process.argv[4] ?? 10);

const dir = mkdtempSync(join(tmpdir(), "hub-cpu-"));
const log = openEventLog({ path: join(dir, "log.db"), synchronous: "normal" });
const hub = createHub({ log, logger: silentLogger, leaveGraceMs: 60_000 });
await hub.start();

let delivered = 0;
const sink: EventSink = {
  write(events) {
    delivered += events.length;
    return true;
  },
  heartbeat: () => true,
  onDrain: () => {},
  end: () => {},
  fail: () => {},
};
const publisher = await hub.join("Pub", 0);
for (let i = 0; i < subscribers; i += 1) {
  const { participant } = await hub.join(`Sub${i}`, 0);
  await hub.subscribe(participant, { since: 0, logId: "" }, sink);
}
const p = await hub.authenticate(publisher.participant.id, publisher.token);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    await hub.publish(p, `message ${i}`, 0, `m${i}`);
  }
}
await Promise.all(Array.from({ length: inflight }, worker));
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;
const cpuUs = cpu.user + cpu.system;
console.log(
  JSON.stringify({
    publishes: total,
    inflight,
    subscribers,
    cpuUsPerPublish: Math.round((cpuUs / total) * 10) / 10,
    publishesPerCpuSecond: Math.round(total / (cpuUs / 1e6)),
    wallPerSecond: Math.round(total / seconds),
    delivered,
  }),
);

// Replay: one new subscriber reads the whole log (pages of 256) before going live.
const { participant: reader } = await hub.join("Reader", 0);
const behind = delivered;
let replayed = 0;
let replayDone: () => void = () => {};
const caughtUp = new Promise<void>((resolve) => {
  replayDone = resolve;
});
const top = total + subscribers + 2;
const replaySink: EventSink = {
  ...sink,
  write(events) {
    replayed += events.length;
    if ((events[events.length - 1]?.seq ?? 0) >= top) replayDone();
    return true;
  },
};
const rcpu0 = process.cpuUsage();
const r0 = performance.now();
await hub.subscribe(reader, { since: 0, logId: "" }, replaySink);
await caughtUp;
const rcpu = process.cpuUsage(rcpu0);
console.log(
  JSON.stringify({
    replayed,
    replayCpuUsPerEvent: Math.round(((rcpu.user + rcpu.system) / replayed) * 100) / 100,
    replayWallPerSecond: Math.round(replayed / ((performance.now() - r0) / 1000)),
    liveDeliveredBefore: behind,
  }),
);
await hub.close();
await log.close();
rmSync(dir, { recursive: true, force: true });
