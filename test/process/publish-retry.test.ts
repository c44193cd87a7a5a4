// A publish committed but never acknowledged: the server process dies between
// the commit and the ack. The client session retries with the same message_id
// against the restarted server; the message is stored once and the client gets
// the first commit's ack. The fault is real: a TCP proxy lets the request
// through and drops the server's answer, then the server is SIGKILLed.
import { afterEach, expect, test } from "bun:test";
import { readEvents } from "../support/db-file.ts";
import { visible } from "../support/events.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { seqs } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const GRACE = ["--leave-grace-ms", "600000"];
const CONTENT = "committed, then the server died before the ack";

test("a publish committed before a SIGKILL is retried with its message_id and stored once", async () => {
  const db = h.dbPath();
  const first = await h.server(db, GRACE);
  const proxy = await h.proxy({ target: first.address });
  const ann = h.session(proxy.address, "Ann", { backoff: { initialMs: 50, maxMs: 300 } });
  const me = await ann.session.join();
  await waitFor(() => ann.events.length === 1, { what: "Ann's JOIN on her stream" });

  // Requests still reach the server; nothing it sends reaches Ann.
  proxy.blackhole(true);
  let acked = false;
  const publish = ann.session.publish(CONTENT);
  void publish.then(() => {
    acked = true;
  });
  const committed = await waitFor(() => readEvents(db).find((r) => r.content === CONTENT), {
    what: "the message to be committed to the file",
  });
  expect(acked).toBe(false);
  first.proc.kill("SIGKILL");
  expect(await exitOf(first)).toMatchObject({ signal: "SIGKILL" });
  proxy.blackhole(false);

  const second = await h.server(db, GRACE);
  proxy.retarget(second.address);
  const ack = await publish;
  // The retry found the first commit: its ack, not a second row.
  expect(ack).toEqual({ seq: committed.seq, logicalTime: committed.logicalTime });
  const rows = readEvents(db);
  expect(rows.filter((r) => r.content === CONTENT)).toEqual([committed]);
  expect(seqs(rows)).toEqual(range(1, rows.length));

  // Ann's stream resumed too: she sees the message once, after her JOIN.
  await waitFor(() => ann.events.some((e) => e.content === CONTENT), { what: "the message" });
  expect(ann.events.map(({ replayed: _, ...e }) => e)).toEqual(rows.map(visible));
  expect(seqs(ann.events)).toEqual([me.seq, committed.seq]);
  console.log(
    `publish retry across a kill: 1 publish committed at seq ${committed.seq}, ack lost, ` +
      `server SIGKILLed and restarted; stored 1 time, acked with the first commit's seq; ` +
      `proxy accepted ${proxy.accepted} connections`,
  );
}, 30_000);
