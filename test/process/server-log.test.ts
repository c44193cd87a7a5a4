// S7: the server logs every step with a timestamp, component, event type and
// the identifiers (participant, name, logical time, seq), to stdout and to
// --log-file.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";

const h = new Harness();
afterEach(() => h.dispose());

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (INFO|WARN|ERROR) (\w+) (\w+)(.*)$/;

function parse(text: string) {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const m = LINE.exec(line);
      if (!m) throw new Error(`not a log line: ${line}`);
      const fields = Object.fromEntries(
        [...(m[5] as string).matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)].map(([, k, v]) => [
          k,
          (v as string).startsWith('"') ? JSON.parse(v as string) : v,
        ]),
      );
      return { component: m[3], event: m[4], ...fields };
    });
}

test("every step is logged to stdout and --log-file with its identifiers", async () => {
  const db = h.dbPath();
  const logFile = join(dirname(db), "logs", "server.log");
  const server = await h.server(db, ["--log-file", logFile]);
  const c = h.client(server.address);
  const bo = await c.join("Bo", 0);
  const stream = c.subscribe(bo);
  await stream.waitForCount(1);
  const ack = await c.publish(bo, "hej", { logicalTime: 5 });
  const left = await c.leave(bo);
  await stream.waitForEnd();
  server.proc.kill("SIGTERM");
  expect(await exitOf(server, 10_000)).toMatchObject({ code: 0 });

  const fromStdout = parse(server.stdout.text);
  expect(parse(readFileSync(logFile, "utf8"))).toEqual(fromStdout);
  const id = bo.participantId;
  const lines = fromStdout.map(({ component, event, ...f }) => [component, event, f]);
  expect(lines).toEqual([
    ["server", "listening", expect.objectContaining({ address: server.address, seq: "0" })],
    [
      "hub",
      "broadcast",
      { seq: "1", lt: "1", kind: "join", participant: id, name: "Bo", subscribers: "0" },
    ],
    ["hub", "join", { participant: id, name: "Bo", lt: "1", seq: "1" }],
    ["hub", "subscribe", { participant: id, name: "Bo", since: "0", afterSeq: "0" }],
    [
      "hub",
      "broadcast",
      {
        seq: "2",
        lt: String(ack.logicalTime),
        kind: "message",
        participant: id,
        name: "Bo",
        subscribers: "1",
      },
    ],
    ["grpc", "publish", { participant: id, name: "Bo", lt: String(ack.logicalTime), seq: "2" }],
    [
      "hub",
      "broadcast",
      {
        seq: "3",
        lt: String(left.logicalTime),
        kind: "leave",
        participant: id,
        name: "Bo",
        subscribers: "1",
      },
    ],
    ["hub", "disconnect", { participant: id, name: "Bo", lastSeq: "3" }],
    ["hub", "leave", { participant: id, name: "Bo", lt: String(left.logicalTime), seq: "3" }],
    ["server", "shutdown", { signal: "SIGTERM" }],
    ["server", "stopped", { seq: "3" }],
  ]);
});
