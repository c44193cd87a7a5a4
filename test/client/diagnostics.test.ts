// The terminal client's own notes on stderr follow --log-format: with json each
// is one JSON object (as the server's log), while the chat on stdout stays the
// human screen. Real server and client processes, piped stdin.
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { Harness } from "../support/harness.ts";
import { deadAddress } from "../support/net.ts";

const h = new Harness();
afterEach(() => h.dispose());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function client(name: string, address: string, extra: string[] = []) {
  return h.bun([
    "src/client/main.ts",
    ...["--name", name, "--server", address, "--log-file", join(h.dir(), `${name}.log`)],
    ...extra,
  ]);
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("--log-format json: notes are JSON lines on stderr, the chat on stdout is unchanged", async () => {
  const server = await h.server(h.dbPath());
  const bo = client("Bo", server.address, ["--log-format", "json"]);
  bo.proc.stdin.write(`hej\n${"x".repeat(130)}\n`);
  bo.proc.stdin.end();
  expect(await bo.exited).toBe(0);

  expect(bo.stdout.lines.map((line) => line.replace(/\d+/g, "N"))).toEqual([
    "Participant Bo joined Chit Chat at logical time N",
    "[N] Bo: hej",
    "Participant Bo left Chit Chat at logical time N",
  ]);
  const notes = jsonLines(bo.stderr.text);
  for (const note of notes) {
    expect(note).toMatchObject({ level: "info", time: expect.stringMatching(ISO) });
  }
  expect(notes.map(({ component, msg, text }) => ({ component, msg, text }))).toEqual([
    {
      component: "client",
      msg: "note",
      text: expect.stringMatching(
        new RegExp(`^joined ${server.address} as Bo at logical time \\d+$`),
      ),
    },
    {
      component: "client",
      msg: "note",
      text: "not sent: message must be at most 128 characters (got 130)",
    },
  ]);
});

test("--log-format json: the last word of a failed client is an error line", async () => {
  const address = await deadAddress();
  const bo = client("Bo", address, ["--log-format", "json", "--connect-timeout-ms", "300"]);
  expect(await bo.exited).toBe(1);
  expect(bo.stdout.text).toBe("");
  const [line, ...rest] = jsonLines(bo.stderr.text);
  expect(rest).toEqual([]);
  expect(line).toEqual({
    level: "error",
    time: expect.stringMatching(ISO),
    component: "client",
    msg: "exit",
    error: `cannot join: cannot reach the ChitChat server at ${address} within 0.3 s: connect ECONNREFUSED ${address}`,
  });
});

test("a bad --log-format is refused with a sentence and exit code 2", async () => {
  const bo = client("Bo", "127.0.0.1:1", ["--log-format", "yaml"]);
  expect(await bo.exited).toBe(2);
  expect(bo.stderr.text).toBe(
    "chitchat client: --log-format must be text or json\nRun with --help to see the options.\n",
  );
});
