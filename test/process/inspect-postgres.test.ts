// `bun run inspect --db postgres://…`: the same output as for a SQLite file,
// from a log several servers share, read-only (no migration, no lease, every
// transaction read-only), and clear refusals. Real PostgreSQL, a real server
// process writing the log, inspect as a real child process.
import { afterEach, expect, test } from "bun:test";
import { inspectLine } from "../../src/inspect/format.ts";
import { toEventJson } from "../../src/protocol/events.ts";
import { Harness } from "../support/harness.ts";
import { pgQuery, readPgEvents } from "../support/multi-server.ts";
import { deadAddress } from "../support/net.ts";
import { sharedPostgres } from "../support/postgres.ts";
import { exitOf } from "../support/process.ts";

const h = new Harness();
afterEach(() => h.dispose());

async function inspect(args: string[]) {
  const child = h.bun(["src/inspect/main.ts", ...args]);
  const { code } = await exitOf(child, 15_000);
  return { code, stdout: child.stdout.text, stderr: child.stderr.text };
}

const lines = (text: string) => text.trimEnd().split("\n");

test("prints a shared log as for a SQLite file: lines, --json, --since/--limit, --follow", async () => {
  const url = await (await sharedPostgres()).createDatabase();
  const server = await h.server(url, [], 60_000);
  const client = h.client(server.address);
  const bo = await client.join("Bo");
  const ana = await client.join("Ana");
  await client.publish(bo, "hej fra Bo");
  await client.publish(ana, "hej Bo: æøå 👋");
  await client.leave(ana);
  const log = await readPgEvents(url);
  expect(log).toHaveLength(5);

  const plain = await inspect(["--db", url]);
  expect(plain).toEqual({ code: 0, stderr: "", stdout: `${log.map(inspectLine).join("\n")}\n` });
  expect(lines(plain.stdout)[2]).toBe(`[${log[2]?.logicalTime}] #3 Bo: hej fra Bo`);

  const json = await inspect(["--db", url, "--json"]);
  expect(lines(json.stdout).map((l) => JSON.parse(l))).toEqual(log.map(toEventJson));

  const since = String(log[1]?.logicalTime);
  const window = await inspect(["--db", url, "--since", since, "--limit", "2"]);
  expect(lines(window.stdout)).toEqual(log.slice(2, 4).map(inspectLine));

  const follower = h.bun(["src/inspect/main.ts", "--db", url, "--follow", "--json"]);
  await follower.waitForStdout(/"seq":5,/, 15_000);
  await client.publish(bo, "one more");
  await follower.waitForStdout(/"content":"one more"/, 15_000);
  follower.proc.kill("SIGINT");
  expect(await exitOf(follower)).toMatchObject({ code: 0 });
  expect(lines(follower.stdout.text).map((l) => JSON.parse(l))).toEqual(
    (await readPgEvents(url)).map(toEventJson),
  );
  // Inspect took no lease: the only server the log knows is the real one.
  expect(await pgQuery(url, "select count(*)::int as n from servers")).toEqual([{ n: 1 }]);
}, 120_000);

test("a database without a ChitChat log, or none at all, is refused and left as it was", async () => {
  const cluster = await sharedPostgres();
  const empty = await cluster.createDatabase();
  await pgQuery(empty, "create table notes (id int primary key, body text)");
  const deadPort = (await deadAddress()).split(":")[1];
  const unreachable = `postgres://chitchat:s3cret@127.0.0.1:${deadPort}/chat`;
  const [foreign, away] = await Promise.all([
    inspect(["--db", empty]),
    inspect(["--db", unreachable]),
  ]);
  expect(foreign).toEqual({
    code: 1,
    stdout: "",
    stderr: `chitchat inspect: ${empty} is not a ChitChat event log (it has no events table)\n`,
  });
  expect(away.code).toBe(1);
  expect(away.stdout).toBe("");
  expect(away.stderr).toStartWith(
    `chitchat inspect: cannot reach postgres://chitchat:***@127.0.0.1:${deadPort}/chat: `,
  );
  expect(away.stderr).not.toContain("s3cret");
  // Nothing was migrated or created: the one table is still the only one.
  expect(
    await pgQuery(
      empty,
      "select table_name from information_schema.tables where table_schema = 'public' order by 1",
    ),
  ).toEqual([{ table_name: "notes" }]);
}, 60_000);
