// `bun run inspect` as a real child process over a real log, also while a server writes it.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { toEventJson } from "../../src/protocol/events.ts";
import { wholeLog } from "../support/events.ts";
import { type Joined, publishMany, type TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import type { TestServer } from "../support/server.ts";

const h = new Harness();
afterEach(() => h.dispose());

async function inspect(args: string[], env: Record<string, string> = {}) {
  const child = h.bun(["src/inspect/main.ts", ...args], env);
  const { code } = await exitOf(child, 15_000);
  return { code, stdout: child.stdout.text, stderr: child.stderr.text };
}

/** A server with Bo and Ana, a few messages and Ana's leave. */
async function chatted(dbPath?: string): Promise<[TestServer, TestClient, Joined]> {
  const server = await h.start({ dbPath });
  const client = h.client(server.address);
  const bo = await client.join("Bo");
  const ana = await client.join("Ana");
  await client.publish(bo, "hej fra Bo");
  await client.publish(ana, "hej Bo: æøå 👋");
  await client.leave(ana);
  return [server, client, bo];
}

describe("bun run inspect", () => {
  test("prints the log as the chat shows it, with logical time and seq", async () => {
    const [server] = await chatted();
    const lts = wholeLog(server).map((e) => e.logicalTime);
    expect(await inspect(["--db", server.dbPath])).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        `[${lts[0]}] #1 Participant Bo joined Chit Chat at logical time ${lts[0]}`,
        `[${lts[1]}] #2 Participant Ana joined Chit Chat at logical time ${lts[1]}`,
        `[${lts[2]}] #3 Bo: hej fra Bo`,
        `[${lts[3]}] #4 Ana: hej Bo: æøå 👋`,
        `[${lts[4]}] #5 Participant Ana left Chit Chat at logical time ${lts[4]}`,
        "",
      ].join("\n"),
    });
  });

  test("--json prints /history's event objects; --since and --limit pick a window", async () => {
    const [server] = await chatted();
    const log = wholeLog(server);
    const all = await inspect(["--json"], { CHITCHAT_DB: server.dbPath });
    expect(all.code).toBe(0);
    expect(
      all.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(log.map(toEventJson));
    const since = (log[1] as { logicalTime: number }).logicalTime;
    const window = await inspect(["--db", server.dbPath, "--since", String(since), "--limit", "2"]);
    expect(window.stdout.trimEnd().split("\n")).toEqual([
      `[${log[2]?.logicalTime}] #3 Bo: hej fra Bo`,
      `[${log[3]?.logicalTime}] #4 Ana: hej Bo: æøå 👋`,
    ]);
  });

  test("reads consistently while the server writes, and --follow prints new events", async () => {
    const [server, client, bo] = await chatted();
    const follower = h.bun(["src/inspect/main.ts", "--db", server.dbPath, "--follow", "--json"]);
    const writing = publishMany(client, bo, 400, { prefix: "live" });
    // A one-shot read in the middle of the writes sees a gap-free prefix of the log.
    const snapshot = await inspect(["--db", server.dbPath, "--json"]);
    await writing;
    const seqs = snapshot.stdout
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));

    await follower.waitForStdout(/"seq":405,/, 15_000);
    await client.publish(bo, "one more");
    await follower.waitForStdout(/"content":"one more"/, 15_000);
    follower.proc.kill("SIGINT");
    expect(await exitOf(follower)).toMatchObject({ code: 0 });
    const followed = follower.stdout.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(followed).toEqual(wholeLog(server).map(toEventJson));
  });

  test("never writes the file", async () => {
    const [server] = await chatted(h.dbPath());
    await server.stop(); // a clean close folds the WAL into the file
    const before = readFileSync(server.dbPath);
    expect((await inspect(["--db", server.dbPath])).code).toBe(0);
    expect(readFileSync(server.dbPath).equals(before)).toBe(true);
  });

  test("a missing, foreign or non-SQLite file is refused with a clear message", async () => {
    const dir = h.dir();
    const foreign = join(dir, "foreign.db");
    const other = new Database(foreign);
    other.exec("create table notes (id integer primary key, body text)");
    other.close();
    const garbage = join(dir, "garbage.db");
    writeFileSync(garbage, "this is not a database, just text that goes on and on".repeat(100));
    const missing = join(dir, "missing.db");
    const results = await Promise.all([
      inspect(["--db", missing]),
      inspect(["--db", foreign]),
      inspect(["--db", garbage]),
    ]);
    expect(results).toEqual([
      {
        code: 1,
        stdout: "",
        stderr: `chitchat inspect: there is no event log at ${missing} (the server creates it when it first starts)\n`,
      },
      {
        code: 1,
        stdout: "",
        stderr: `chitchat inspect: ${foreign} is not a ChitChat event log (it has no events table)\n`,
      },
      {
        code: 1,
        stdout: "",
        stderr: `chitchat inspect: ${garbage} is not a ChitChat event log (not an SQLite database)\n`,
      },
    ]);
    expect(await Bun.file(missing).exists()).toBe(false);
  });

  test("bad flags exit 2; a since ahead of the log exits 1", async () => {
    const [server] = await chatted();
    const bad = await Promise.all(
      [["--since", "abc"], ["--limit", "0"], ["--follow=maybe"], ["--nope"]].map((args) =>
        inspect(["--db", server.dbPath, ...args]),
      ),
    );
    for (const result of bad) {
      expect(result).toMatchObject({ code: 2, stdout: "" });
      expect(result.stderr).toStartWith("chitchat inspect: ");
      expect(result.stderr).toContain("--help");
    }
    expect(bad.map((r) => r.stderr.split("\n")[0])).toEqual([
      "chitchat inspect: --since must be a number",
      "chitchat inspect: --limit must be at least 1",
      expect.stringContaining("--follow"),
      expect.stringContaining("--nope"),
    ]);
    const ahead = await inspect(["--db", server.dbPath, "--since", "1000"]);
    expect(ahead).toEqual({
      code: 1,
      stdout: "",
      stderr: `chitchat inspect: --since 1000 is ahead of the log (its newest logical time is ${server.view.top().logicalTime})\n`,
    });
  });
});
