// `--db` naming a file that is not a ChitChat event log: the server refuses to
// start, says why in one line, and leaves the file exactly as it was.
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { openEventLog } from "../../src/store/open.ts";
import { readEvents } from "../support/db-file.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { seededRandom } from "../support/random.ts";
import { logLine, serverArgs } from "../support/server-process.ts";

const h = new Harness();
afterEach(() => h.dispose());

/** A file made by `make` in a fresh folder; returns its path. */
function fileMadeBy(make: (path: string) => void): string {
  const path = h.dbPath();
  make(path);
  return path;
}

const cases: [string, (path: string) => void, RegExp][] = [
  [
    "random bytes",
    (path) => {
      const random = seededRandom(0x5eed);
      writeFileSync(path, Buffer.from(Array.from({ length: 8192 }, () => random.byte())));
    },
    /is not a SQLite database \(file is not a database\); refusing to touch it$/,
  ],
  [
    "another application's SQLite database",
    (path) => {
      const db = new Database(path);
      db.exec(
        "create table users (id integer primary key, name text); insert into users values (1, 'root')",
      );
      db.close();
    },
    /is a SQLite database of another application \(tables: users\), not a ChitChat event log; refusing to change it$/,
  ],
  [
    "a ChitChat log from a newer schema",
    (path) => {
      openEventLog({ path }).close();
      const db = new Database(path);
      // What a later version's migration would leave: a change and drizzle's record of it.
      db.exec("alter table events add column reactions text");
      db.prepare("insert into __drizzle_migrations (hash, created_at) values (?, ?)").run(
        "f".repeat(64),
        Date.now() + 86_400_000,
      );
      db.close();
    },
    /was written by a newer ChitChat \(its schema has 1 migration\(s\) this version does not know\); refusing to open it: upgrade ChitChat$/,
  ],
];

describe("a --db that is not a ChitChat event log", () => {
  test("is refused at startup: exit 1, one readable line, the file untouched", async () => {
    const runs = await Promise.all(
      cases.map(async ([what, make, message]) => {
        const db = fileMadeBy(make);
        const bytes = readFileSync(db);
        const folder = readdirSync(dirname(db));
        const child = h.bun(serverArgs(db));
        const { code } = await exitOf(child, 15_000);
        return {
          what,
          code,
          lines: child.stdout.lines.length,
          failed: logLine(child.stdout.text, "startup_failed"),
          stderr: child.stderr.text,
          untouched: readFileSync(db).equals(bytes),
          folder: readdirSync(dirname(db)),
          expected: { message, folder },
          db,
        };
      }),
    );
    for (const { expected, db, ...run } of runs) {
      expect(run).toEqual({
        what: run.what,
        code: 1,
        lines: 1,
        failed: { db, error: expect.stringMatching(expected.message) },
        stderr: "",
        untouched: true,
        // No -wal or -shm appeared beside it.
        folder: expected.folder,
      });
    }
  }, 30_000);

  test("an empty file, or a ChitChat log from this version, opens as usual", async () => {
    const empty = fileMadeBy((path) => writeFileSync(path, ""));
    const ours = fileMadeBy((path) => {
      const log = openEventLog({ path });
      log.append([
        {
          kind: "join",
          participantId: "p",
          name: "Ann",
          logicalTime: 0,
          tokenHash: "0".repeat(64),
        },
      ]);
      log.close();
    });
    for (const db of [empty, ours]) {
      const server = await h.server(db);
      server.proc.kill("SIGTERM");
      expect((await exitOf(server, 10_000)).code).toBe(0);
    }
    expect(readEvents(ours).map((e) => e.name)).toEqual(["Ann"]);
    expect(readEvents(empty)).toEqual([]);
  }, 30_000);
});
