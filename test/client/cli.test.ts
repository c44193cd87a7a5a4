// End to end: a real server and three `bun src/client/main.ts` processes with piped stdin.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness } from "../support/harness.ts";
import { deadAddress } from "../support/net.ts";
import type { Child } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

// Real processes: generous limits so a loaded machine does not fail them; they pass in ~1 s.
const SLOW = 15_000;
/** How long a server process may take to say it listens. */
const SERVER_START_MS = 10_000;

const h = new Harness();
afterEach(() => h.dispose());

/** A server process on a fresh database, on `port` if given. */
function server(port?: number) {
  return h.server(h.dbPath(), port === undefined ? [] : ["--port", String(port)], SERVER_START_MS);
}

interface Client extends Child {
  name: string;
  logFile: string;
  send(text: string): void;
}

function client(name: string, address: string, extra: string[] = []): Client {
  const logFile = join(h.dir(), `${name}.log`);
  const child = h.bun([
    "src/client/main.ts",
    "--name",
    name,
    "--server",
    address,
    "--log-file",
    logFile,
    ...extra,
  ]);
  return Object.assign(child, {
    name,
    logFile,
    send(text: string) {
      child.proc.stdin.write(text);
      child.proc.stdin.flush();
    },
  });
}

const joined = (name: string) =>
  new RegExp(`^Participant ${name} joined Chit Chat at logical time \\d+$`);
const left = (name: string) =>
  new RegExp(`^Participant ${name} left Chit Chat at logical time \\d+$`);
const said = (name: string, text: string) => new RegExp(`^\\[\\d+\\] ${name}: ${text}$`);
const sees = (c: Client, pattern: RegExp) => c.stdout.lines.some((line) => pattern.test(line));

interface LogLine {
  seq: number;
  lt: number;
  kind: string;
  name: string;
  content: string;
}

function readLog(path: string): LogLine[] {
  const pattern =
    /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) lt=(\d+) seq=(\d+) (join|message|leave) ([^:]+): (.*)$/;
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const m = pattern.exec(line);
      if (!m) throw new Error(`not a log line: ${line}`);
      return {
        lt: Number(m[2]),
        seq: Number(m[3]),
        kind: m[4],
        name: m[5],
        content: m[6],
      } as LogLine;
    });
}

/** What the chat shows for a logged event. */
const shown = (e: LogLine) =>
  e.kind === "message" ? `[${e.lt}] ${e.name}: ${e.content}` : e.content;

describe("bun run client", () => {
  test(
    "three participants chat, refuse a long line, and leave cleanly",
    async () => {
      const { address } = await server();
      const long = "x".repeat(140);

      // Join one after another: each sees the joins from its own on.
      const a = client("A", address);
      await waitFor(() => sees(a, joined("A")), { what: "A's join" });
      const b = client("B", address);
      await waitFor(() => sees(b, joined("B")), { what: "B's join" });
      const c = client("C", address);
      await waitFor(() => sees(c, joined("C")), { what: "C's join" });
      await waitFor(() => sees(a, joined("C")) && sees(b, joined("C")), {
        what: "A and B to see C join",
      });

      a.send("hej fra A\n");
      await waitFor(() => [a, b, c].every((x) => sees(x, said("A", "hej fra A"))), {
        what: "everyone to see A",
      });
      b.send(`${long}\nhej fra B\n`);
      await waitFor(() => [a, b, c].every((x) => sees(x, said("B", "hej fra B"))), {
        what: "everyone to see B",
      });
      expect(b.stderr.lines).toContain(
        "not sent: message must be at most 128 characters (got 140)",
      );

      // End of input leaves.
      a.proc.stdin.end();
      expect(await a.exited).toBe(0);
      await waitFor(() => sees(b, left("A")) && sees(c, left("A")), {
        what: "B and C to see A leave",
      });
      // /quit leaves.
      b.send("/quit\n");
      expect(await b.exited).toBe(0);
      await waitFor(() => sees(c, left("B")), { what: "C to see B leave" });
      // Lines piped just before the end are all published before the leave.
      c.send("hej fra C\nfarvel fra C\n");
      c.proc.stdin.end();
      expect(await c.exited).toBe(0);

      const logs = Object.fromEntries([a, b, c].map((x) => [x.name, readLog(x.logFile)]));
      const whole = logs.C as LogLine[];
      // C saw the most; the others' logs are the same events from their own JOIN on.
      expect(whole.map((e) => [e.kind, e.name, e.kind === "message" ? e.content : ""])).toEqual([
        ["join", "C", ""],
        ["message", "A", "hej fra A"],
        ["message", "B", "hej fra B"],
        ["leave", "A", ""],
        ["leave", "B", ""],
        ["message", "C", "hej fra C"],
        ["message", "C", "farvel fra C"],
        ["leave", "C", ""],
      ]);
      expect((logs.A as LogLine[]).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((logs.B as LogLine[]).map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
      expect(whole.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      expect(logs.A?.slice(2)).toEqual(whole.slice(0, 4));
      expect(logs.B?.slice(1)).toEqual(whole.slice(0, 5));
      for (const e of [...(logs.A ?? []), ...whole]) {
        if (e.kind === "join")
          expect(e.content).toBe(`Participant ${e.name} joined Chit Chat at logical time ${e.lt}`);
        if (e.kind === "leave")
          expect(e.content).toBe(`Participant ${e.name} left Chit Chat at logical time ${e.lt}`);
      }
      const lts = whole.map((e) => e.lt);
      expect(lts).toEqual([...lts].sort((x, y) => x - y));

      // Each stdout is exactly its chat, line for line with its log.
      for (const x of [a, b, c]) {
        expect(x.stdout.lines).toEqual((logs[x.name] as LogLine[]).map(shown));
        expect(x.stdout.text).not.toContain(long);
        expect(readFileSync(x.logFile, "utf8")).not.toContain(long);
      }
      expect(
        a.stdout.lines
          .slice(0, 3)
          .map((l) => [joined("A"), joined("B"), joined("C")].some((p) => p.test(l))),
      ).toEqual([true, true, true]);
    },
    SLOW,
  );

  test(
    "SIGTERM leaves cleanly",
    async () => {
      const { address } = await server();
      const a = client("A", address);
      const b = client("B", address);
      await waitFor(() => sees(a, joined("A")) && sees(b, joined("B")), { what: "both to join" });
      a.proc.kill("SIGTERM");
      expect(await a.exited).toBe(0);
      await waitFor(() => sees(b, left("A")), { what: "B to see A leave" });
      expect(a.stdout.lines.at(-1)).toMatch(left("A"));
    },
    SLOW,
  );

  test(
    "losing the chat for good (the server's log was replaced) exits 1",
    async () => {
      const first = await server();
      const a = client("A", first.address);
      await waitFor(() => sees(a, joined("A")), { what: "A's join" });
      await first.kill();
      await server(first.port);
      expect(await a.exited).toBe(1);
      expect(a.stderr.lines.at(-1)).toMatch(
        /^chitchat client: the chat cannot go on: this server's event log is not the one you joined \(it holds log [0-9a-f-]+, not [0-9a-f-]+\)$/,
      );
    },
    SLOW,
  );

  test(
    "an unreachable server exits 1 with a clear message",
    async () => {
      const address = await deadAddress();
      const a = client("A", address, ["--connect-timeout-ms", "300"]);
      expect(await a.exited).toBe(1);
      expect(a.stderr.text).toBe(
        `chitchat client: cannot join: cannot reach the ChitChat server at ${address} within 0.3 s: connect ECONNREFUSED ${address}\n`,
      );
      expect(a.stdout.text).toBe("");
    },
    SLOW,
  );

  test("bad flags exit 2 with a clear message", async () => {
    const a = client("A", "127.0.0.1:1", ["--since", "soon"]);
    expect(await a.exited).toBe(2);
    expect(a.stderr.text).toBe(
      "chitchat client: --since must be a number\nRun with --help to see the options.\n",
    );
    expect(existsSync(a.logFile)).toBe(false);
  });
});
