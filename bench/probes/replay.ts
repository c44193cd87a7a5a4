// Replay to one subscriber against real server processes: the time from the
// SubscribeBatches call to the last replayed event, and the server's CPU per
// event (from /proc, the steadiest figure on a shared machine). Each run starts
// a fresh server on a fresh copy of the log, as `bun run bench --only replay`
// does, so the figures include a cold server. With `--roots a,b` the runs
// alternate between checkouts (an A/B on the same minutes of the machine).
// `--warm N` replays N more times on the same server and reports those too.
// `--window BYTES[,BYTES]` sets the subscriber's HTTP/2 flow-control window
// (default: the ChitChat client's, RECEIVE_WINDOW_BYTES; 0: grpc-js's
// default; several alternate like roots); `--decoder
// protobufjs,chitchat` alternates the subscriber's BroadcastBatch decoder (the
// generated client's protobufjs, or src/protocol/broadcast-batch-decode.ts, the
// default); `--prof DIR` runs the servers under bun --cpu-prof.
// Run: bun bench/probes/replay.ts [--events 100000] [--runs 6] [--roots DIR,DIR]
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import {
  chitChatClientConstructor,
  RECEIVE_WINDOW_BYTES,
} from "../../src/protocol/client-constructor.ts";
import { type BroadcastBatch__Output, loadChitChat } from "../../src/protocol/proto.ts";
import { ROOT } from "../../test/support/process.ts";
import { tempDir } from "../../test/support/temp.ts";
import { fillLog } from "../lib/fill-log.ts";
import { join as joinMember } from "../lib/grpc.ts";
import { spawnListening } from "../lib/server.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    runs: { type: "string", default: "6" },
    warm: { type: "string", default: "0" },
    roots: { type: "string", default: ROOT },
    window: { type: "string" },
    decoder: { type: "string", default: "chitchat" },
    prof: { type: "string" },
  },
});
const total = Number(values.events);
const roots = (values.roots as string).split(",");
// 0: grpc-js's default window (64 KiB).
const windows = (values.window ?? String(RECEIVE_WINDOW_BYTES)).split(",").map(Number);
const decoders = (values.decoder as string).split(",");
for (const d of decoders) {
  if (d !== "protobufjs" && d !== "chitchat") throw new Error(`--decoder: unknown decoder ${d}`);
}
interface Config {
  root: string;
  window: number;
  decoder: string;
}
const configs: Config[] = roots.flatMap((root) =>
  windows.flatMap((window) => decoders.map((decoder) => ({ root, window, decoder }))),
);
const label = (c: Config) =>
  [
    c.root,
    windows.length > 1 ? `window ${c.window || "default"}` : "",
    decoders.length > 1 ? `decoder ${c.decoder}` : "",
  ]
    .filter(Boolean)
    .join(" ");

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Figure {
  ms: number;
  cpuUsPerEvent: number;
  /** This process's CPU (the subscriber's side) per event. */
  subscriberUsPerEvent: number;
}

/** Subscribes from the start and waits for every event; the server's CPU over that time. */
async function replayOnce(
  address: string,
  pid: number,
  name: string,
  { window, decoder }: Config,
): Promise<Figure> {
  const Client = decoder === "protobufjs" ? loadChitChat().ChitChat : chitChatClientConstructor();
  const client = new Client(address, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
    ...(window > 0 ? { "grpc-node.flow_control_window": window } : {}),
  });
  try {
    const member = await joinMember(client, name);
    const request = { participantId: member.ack.participantId, since: 0, logId: member.ack.logId };
    const cpu0 = cpuSeconds(pid);
    const own0 = process.cpuUsage();
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      let events = 0;
      const call = client.SubscribeBatches(request, member.metadata);
      call.on("data", (batch: BroadcastBatch__Output) => {
        events += batch.events.length;
        if (events >= total) {
          resolve();
          call.cancel();
        }
      });
      call.on("error", (e: grpc.ServiceError) => {
        if (e.code !== grpc.status.CANCELLED) reject(e);
      });
    });
    const ms = performance.now() - start;
    const own = process.cpuUsage(own0);
    return {
      ms,
      cpuUsPerEvent: ((cpuSeconds(pid) - cpu0) * 1e6) / total,
      subscriberUsPerEvent: (own.user + own.system) / total,
    };
  } finally {
    client.close();
  }
}

using dir = tempDir("chitchat-replay-probe-");
const filled = join(dir.path, "filled.db");
fillLog(filled, total);
const results = new Map<string, { cold: Figure[]; warm: Figure[] }>(
  configs.map((c) => [label(c), { cold: [], warm: [] }]),
);

for (let run = 0; run < Number(values.runs); run += 1) {
  const config = configs[run % configs.length] as Config;
  const { root } = config;
  const db = join(dir.path, `run-${run}.db`);
  copyFileSync(filled, db);
  const server = await spawnListening([
    ...(values.prof ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${values.prof}`] : []),
    join(root, "src/server/main.ts"),
    ...["--port", "0", "--admin-port", "0", "--db", db, "--leave-grace-ms", "3600000"],
  ]);
  try {
    const mine = results.get(label(config)) as { cold: Figure[]; warm: Figure[] };
    const cold = await replayOnce(server.address, server.pid, "cold", config);
    mine.cold.push(cold);
    for (let w = 0; w < Number(values.warm); w += 1) {
      mine.warm.push(await replayOnce(server.address, server.pid, `warm${w}`, config));
    }
    console.log(
      `run ${run} ${label(config)}: cold ${cold.ms.toFixed(0)} ms, ${cold.cpuUsPerEvent.toFixed(2)} µs/event, subscriber ${cold.subscriberUsPerEvent.toFixed(2)} µs/event (load ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]})`,
    );
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};
for (const [root, { cold, warm }] of results) {
  const line = (label: string, figures: Figure[]) =>
    figures.length === 0
      ? ""
      : ` ${label}: median ${median(figures.map((f) => f.ms)).toFixed(0)} ms = ${Math.round(
          (total * 1000) / median(figures.map((f) => f.ms)),
        )}/s, server ${median(figures.map((f) => f.cpuUsPerEvent)).toFixed(2)} µs/event, subscriber ${median(
          figures.map((f) => f.subscriberUsPerEvent),
        ).toFixed(2)} µs/event (n=${figures.length});`;
  console.log(`${root}:${line("cold", cold)}${line("warm", warm)}`);
}
