// S7: the server logs every step with a timestamp, component, event type and
// the identifiers (participant, name, logical time, seq), to stdout and to
// --log-file.
import { afterEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { healthClient } from "../support/grpc-std.ts";
import { Harness } from "../support/harness.ts";
import { deadAddress } from "../support/net.ts";
import { exitOf } from "../support/process.ts";
import { serverArgs } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARN|ERROR) (\w+) (\w+)(.*)$/;

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

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every line of a JSON log as an object (a line that is not JSON fails the test). */
function parseJson(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("--log-format json: one JSON object per line, on stdout and in --log-file, with typed fields", async () => {
  const db = h.dbPath();
  const logFile = join(dirname(db), "logs", "server.json.log");
  const child = h.bun(serverArgs(db, ["--log-format", "json", "--log-file", logFile]));
  const listening = await child.waitForStdout(/^\{.*"msg":"listening".*\}$/m);
  const address = (JSON.parse(listening[0]) as { address: string }).address;
  const c = h.client(address);
  const bo = await c.join("Bo", 0);
  const stream = c.subscribe(bo);
  await stream.waitForCount(1);
  const ack = await c.publish(bo, "hej", { logicalTime: 5 });
  const left = await c.leave(bo);
  await stream.waitForEnd();
  child.proc.kill("SIGTERM");
  expect(await exitOf(child, 10_000)).toMatchObject({ code: 0 });

  const fromStdout = parseJson(child.stdout.text);
  expect(parseJson(readFileSync(logFile, "utf8"))).toEqual(fromStdout);
  for (const line of fromStdout) {
    expect(line).toMatchObject({ level: "info", time: expect.stringMatching(ISO) });
  }
  const id = bo.participantId;
  const lines = fromStdout.map(({ level: _, time: __, component, msg, ...f }) => [
    component,
    msg,
    f,
  ]);
  expect(lines).toEqual([
    ["server", "listening", expect.objectContaining({ address, seq: 0, lt: 0, tls: false })],
    [
      "hub",
      "broadcast",
      { seq: 1, lt: 1, kind: "join", participant: id, name: "Bo", subscribers: 0 },
    ],
    ["hub", "join", { participant: id, name: "Bo", lt: 1, seq: 1 }],
    ["hub", "subscribe", { participant: id, name: "Bo", since: 0, afterSeq: 0 }],
    [
      "hub",
      "broadcast",
      { seq: 2, lt: ack.logicalTime, kind: "message", participant: id, name: "Bo", subscribers: 1 },
    ],
    ["grpc", "publish", { participant: id, name: "Bo", lt: ack.logicalTime, seq: 2 }],
    [
      "hub",
      "broadcast",
      { seq: 3, lt: left.logicalTime, kind: "leave", participant: id, name: "Bo", subscribers: 1 },
    ],
    ["hub", "disconnect", { participant: id, name: "Bo", lastSeq: 3 }],
    ["hub", "leave", { participant: id, name: "Bo", lt: left.logicalTime, seq: 3 }],
    ["server", "shutdown", { signal: "SIGTERM" }],
    ["server", "stopped", { seq: 3 }],
  ]);
});

test("--log-level warn leaves out every info line but not the errors", async () => {
  const db = h.dbPath();
  const logFile = join(dirname(db), "server.log");
  // No listening line at warn, so the port is chosen here and the health service says when it serves.
  const port = (await deadAddress()).split(":")[1] as string;
  const child = h.bun(
    serverArgs(db, ["--log-level", "warn", "--port", port, "--log-file", logFile]),
  );
  const address = `127.0.0.1:${port}`;
  const health = healthClient(address);
  try {
    await waitFor(() => health.check("").catch(() => undefined), { what: "the server to serve" });
  } finally {
    health.close();
  }
  const c = h.client(address);
  const bo = await c.join("Bo", 0);
  await c.publish(bo, "hej");
  await c.leave(bo);
  child.proc.kill("SIGTERM");
  expect(await exitOf(child, 10_000)).toMatchObject({ code: 0 });
  expect({ stdout: child.stdout.text, file: readFileSync(logFile, "utf8") }).toEqual({
    stdout: "",
    file: "",
  });

  // An error still gets through: a --db that is not a ChitChat log, in both formats.
  const foreign = join(dirname(db), "foreign.db");
  writeFileSync(foreign, "not a database at all, just text");
  for (const format of ["text", "json"]) {
    const failed = h.bun(serverArgs(foreign, ["--log-level", "warn", "--log-format", format]));
    expect(await failed.exited).toBe(1);
    const line = failed.stdout.lines.join("\n");
    expect(line).toMatch(
      format === "json"
        ? /^\{"level":"error",.*"msg":"startup_failed"/
        : / ERROR server startup_failed /,
    );
  }
});

test("--log-level debug adds refusals and each stream's catch-up; info has none of them", async () => {
  const db = h.dbPath();
  const server = await h.server(db, ["--log-level", "debug"]);
  const c = h.client(server.address);
  const bo = await c.join("Bo", 0);
  await c.publish(bo, "hej");
  await c.publish(bo, "hej igen");
  // Refused: too long. The client hears why, and so does the debug log.
  const refused = await c.publish(bo, "x".repeat(129)).catch((error: Error) => error);
  expect(refused).toBeInstanceOf(Error);
  // A stream from the start reads the three events from the log, then goes live.
  const stream = c.subscribe(bo, { since: 0 });
  await stream.waitForCount(3);
  await waitFor(() => server.stdout.text.includes(" caught_up "), { what: "the caught_up line" });
  server.proc.kill("SIGTERM");
  expect(await exitOf(server, 10_000)).toMatchObject({ code: 0 });

  const debug = parse(server.stdout.text).filter(
    (l) => l.event === "refused" || l.event === "caught_up",
  );
  expect(debug).toEqual([
    {
      component: "grpc",
      event: "refused",
      code: "invalid_argument",
      reason: "message must be at most 128 characters (got 129)",
    },
    {
      component: "hub",
      event: "caught_up",
      participant: bo.participantId,
      seq: "3",
      read: "3",
      ms: expect.stringMatching(/^\d+$/),
    },
    // The open stream, ended by the SIGTERM.
    { component: "grpc", event: "refused", code: "unavailable", reason: "server shutting down" },
  ]);
  expect(server.stdout.lines.filter((l) => l.includes(" DEBUG ")).length).toBe(debug.length);
});

test("a bad --log-format or --log-level is refused with a sentence and exit code 2", async () => {
  const cases = [
    [["--log-format", "xml"], "chitchat server: --log-format must be text or json"],
    [["--log-level", "loud"], "chitchat server: --log-level must be debug, info, warn or error"],
  ] as const;
  for (const [args, message] of cases) {
    const child = h.bun(serverArgs(h.dbPath(), [...args]));
    expect(await child.exited).toBe(2);
    expect({ stdout: child.stdout.text, stderr: child.stderr.text }).toEqual({
      stdout: "",
      stderr: `${message}\nRun with --help to see the options.\n`,
    });
  }
  const env = h.bun(serverArgs(h.dbPath()), { CHITCHAT_LOG_FORMAT: "yaml" });
  expect(await env.exited).toBe(2);
  expect(env.stderr.text).toStartWith("chitchat server: --log-format must be text or json\n");
});
