// `bun run backup` as a real child process: a copy of a log taken while a real
// server process commits publishes, verified, restored by starting a second
// server on it (an exact prefix of the original, resumable with the same
// log_id), and every refusal with its sentence, changing nothing.
import { afterEach, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import Database from "better-sqlite3";
import { defaultBackupPath, parseBackupConfig } from "../../src/backup/config.ts";
import { readEvents } from "../support/db-file.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

async function backup(args: string[]) {
  const child = h.bun(["src/backup/main.ts", ...args]);
  const { code } = await exitOf(child, 30_000);
  return { code, stdout: child.stdout.text, stderr: child.stderr.text };
}

/** The numbers `bun run backup` printed. */
function printed(stdout: string) {
  const logId = /^log id: +(\S+)$/m.exec(stdout)?.[1];
  const newest = /^newest: +seq (\d+), logical time (\d+)$/m.exec(stdout);
  return { logId, seq: Number(newest?.[1]), logicalTime: Number(newest?.[2]) };
}

describe("bun run backup", () => {
  test("a copy taken under publish load restores to a server that is an exact prefix and resumes with the same log_id", async () => {
    const dir = h.dir();
    const db = join(dir, "chitchat.db");
    const out = join(dir, "backups", "chitchat-copy.db");
    const grace = ["--leave-grace-ms", "3600000"];
    const server = await h.server(db, grace);
    const c = h.client(server.address);
    const bo = await c.join("Bo");

    // Publishes in flight the whole time, 16 at a time.
    let acked = 0;
    let topAcked = 0;
    let stop = false;
    const load = Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = 0; !stop; i += 1) {
          const ack = await c.publish(bo, `w${worker} m${i}`);
          acked += 1;
          topAcked = Math.max(topAcked, ack.seq);
        }
      }),
    );
    await waitFor(() => acked >= 200, { timeoutMs: 20_000, what: "200 acked publishes" });
    const ackedBefore = topAcked;
    const result = await backup(["--db", db, "--out", out]);
    const ackedAfter = topAcked;
    // Let the writes go on past the copy, so the original is longer than it.
    await waitFor(() => topAcked >= ackedAfter + 50, { timeoutMs: 20_000, what: "50 more acks" });
    stop = true;
    await load;
    server.proc.kill("SIGTERM");
    expect(await exitOf(server, 10_000)).toMatchObject({ code: 0 });

    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    // The server committed while the backup ran.
    expect(ackedAfter).toBeGreaterThan(ackedBefore);
    const copy = readEvents(out);
    const original = readEvents(db);
    const said = printed(result.stdout);
    expect(said).toEqual({
      logId: bo.logId,
      seq: copy.length,
      logicalTime: copy.at(-1)?.logicalTime as number,
    });
    // Everything acked before the backup began is in the copy; the copy is the
    // original's first N rows exactly, and the original went on.
    expect(copy.length).toBeGreaterThanOrEqual(ackedBefore);
    expect(original.length).toBeGreaterThan(copy.length);
    expect(copy).toEqual(original.slice(0, copy.length));
    expect(copy.map((e) => e.seq)).toEqual(copy.map((_, i) => i + 1));

    // Restoring is starting a server on the copy.
    const restored = await h.server(out, grace);
    const c2 = h.client(restored.address);
    const stream = c2.subscribe(bo, { since: 0 });
    await stream.waitForCount(copy.length);
    expect(stream.status).toBeUndefined();
    expect(stream.events.map((e) => [e.seq, e.logicalTime, e.content])).toEqual(
      copy.map((e) => [e.seq, e.logicalTime, e.content]),
    );
    const next = await c2.publish(bo, "after the restore");
    expect(next.seq).toBe(copy.length + 1);

    const other = randomUUID();
    const refused = c2.subscribe(bo, { since: 0, logId: other });
    const end = await refused.waitForEnd();
    expect({ code: end.code, details: end.details, events: refused.events }).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      details: `this server's event log is not the one you joined (it holds log ${bo.logId}, not ${other})`,
      events: [],
    });
  });

  test("refuses to overwrite, a missing log, another application's database, and the log itself", async () => {
    const dir = h.dir();
    const server = await h.start({ dbPath: join(dir, "chitchat.db") });
    const c = h.client(server.address);
    await c.join("Bo");
    const db = server.dbPath;

    const existing = join(dir, "precious.db");
    writeFileSync(existing, "keep me");
    expect(await backup(["--db", db, "--out", existing])).toEqual({
      code: 1,
      stdout: "",
      stderr: `chitchat backup: ${existing} already exists; refusing to overwrite it (choose a new --out)\n`,
    });
    expect(readFileSync(existing, "utf8")).toBe("keep me");

    const missing = join(dir, "nope.db");
    expect(await backup(["--db", missing, "--out", join(dir, "a.db")])).toEqual({
      code: 1,
      stdout: "",
      stderr: `chitchat backup: cannot back up ${missing}: there is no event log at ${missing} (the server creates it when it first starts)\n`,
    });

    const foreign = join(dir, "shop.db");
    const shop = new Database(foreign);
    shop.exec("create table customers (id integer primary key, name text)");
    shop.close();
    expect(await backup(["--db", foreign, "--out", join(dir, "b.db")])).toEqual({
      code: 1,
      stdout: "",
      stderr: `chitchat backup: cannot back up ${foreign}: ${foreign} is not a ChitChat event log (it has no events table)\n`,
    });

    const text = join(dir, "notes.txt");
    writeFileSync(text, "just some text, not a database at all");
    expect(await backup(["--db", text, "--out", join(dir, "c.db")])).toEqual({
      code: 1,
      stdout: "",
      stderr: `chitchat backup: cannot back up ${text}: ${text} is not a ChitChat event log (not an SQLite database)\n`,
    });

    expect(await backup(["--db", db, "--out", db])).toEqual({
      code: 1,
      stdout: "",
      stderr: `chitchat backup: --out ${db} is the log itself; give another file\n`,
    });
    // Nothing was written beside them: no copies, no leftovers.
    expect(readdirSync(dir).sort()).toEqual([
      "chitchat.db",
      "chitchat.db-shm",
      "chitchat.db-wal",
      "notes.txt",
      "precious.db",
      "shop.db",
    ]);
  });

  test("bad flags exit 2; --help names every flag and its env twin", async () => {
    const bad = await backup(["--nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toEndWith("\nRun with --help to see the options.\n");
    // A shared PostgreSQL log is PostgreSQL's to back up; the password is not repeated.
    const pg = await backup(["--db", "postgres://chat:s3cret@db.example:5432/chat"]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toStartWith(
      "chitchat backup: --db is a PostgreSQL URL: this copies a SQLite log; back a shared log up with PostgreSQL's own tools",
    );
    expect(pg.stderr).not.toContain("s3cret");
    const help = await backup(["--help"]);
    expect(help.code).toBe(0);
    for (const word of [
      "--db",
      "CHITCHAT_DB",
      "--out",
      "CHITCHAT_BACKUP_OUT",
      "bun run server --db",
    ]) {
      expect(help.stdout).toContain(word);
    }
  });

  test("--out defaults to backups/chitchat-<UTC date>.db", () => {
    const now = new Date("2026-11-30T23:59:59.000Z");
    expect(defaultBackupPath(now)).toBe("backups/chitchat-2026-11-30.db");
    expect(parseBackupConfig([], {}, now)).toEqual({
      kind: "config",
      config: { db: "data/chitchat.db", out: "backups/chitchat-2026-11-30.db" },
    });
    expect(parseBackupConfig(["--out", "x.db"], { CHITCHAT_DB: "y.db" }, now)).toEqual({
      kind: "config",
      config: { db: "y.db", out: "x.db" },
    });
  });
});
