// Client reconnect under hundreds of stream cuts: real client sessions publish
// and subscribe through a TCP proxy that destroys every connection, over and
// over, while messages flow. Every subscriber must see the whole log from its
// JOIN exactly once, in order; every acked publish must be stored exactly once.
import { afterEach, expect, test } from "bun:test";
import { wholeLog } from "../support/events.ts";
import { Harness } from "../support/harness.ts";
import { deliveryProblems, publishContinuously, seqs } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const CUTS = 300;
const SESSIONS = 6;
/** Events stored between two cuts, so every cut lands while messages flow. */
const EVENTS_PER_CUT = 3;

test(`${SESSIONS} sessions through ${CUTS} connection cuts: no gap, no duplicate, every ack stored once`, async () => {
  const server = await h.start();
  const proxy = await h.proxy({ target: server.address });
  const sessions = await h.joinedSessions(proxy.address, SESSIONS, "S", {
    backoff: { initialMs: 10, maxMs: 200 },
    callTimeoutMs: 2_000,
    publishRetryMs: 60_000,
  });
  const load = publishContinuously(sessions);

  let cut = 0;
  let connectionsCut = 0;
  let lastTop = server.view.top().seq;
  for (; cut < CUTS && load.failures.length === 0; cut += 1) {
    await waitFor(() => proxy.open > 0 && server.view.top().seq >= lastTop + EVENTS_PER_CUT, {
      timeoutMs: 20_000,
      what: `events to flow again after cut ${cut}`,
    });
    lastTop = server.view.top().seq;
    connectionsCut += proxy.cut();
  }
  await load.stop();
  expect(load.failures).toEqual([]);
  const { acks } = load;

  const top = server.view.top().seq;
  await waitFor(() => sessions.every((s) => (s.events.at(-1)?.seq ?? 0) >= top), {
    timeoutMs: 20_000,
    what: "every session to see the top of the log",
  });
  const log = wholeLog(server);
  expect(seqs(log)).toEqual(range(1, top));

  let gaps = 0;
  let duplicates = 0;
  for (const s of sessions) {
    const from = s.session.info?.seq ?? 0;
    const problems = deliveryProblems(seqs(s.events), range(from, top));
    gaps += problems.missing.length;
    duplicates += problems.duplicated.length;
    expect(problems).toEqual({ missing: [], duplicated: [], outOfOrder: [] });
    expect(s.events.map(({ replayed: _, ...e }) => e)).toEqual(log.slice(from - 1));
  }
  // Every ack names its row, and every stored message was acked exactly once.
  const messages = log.filter((e) => e.kind === "message");
  for (const { content, ack } of acks) {
    expect(log[ack.seq - 1]).toMatchObject({ content, logicalTime: ack.logicalTime });
  }
  expect(messages.map((e) => e.content).sort()).toEqual(acks.map((a) => a.content).sort());

  const reconnects = sessions.reduce(
    (n, s) => n + s.statuses.filter((st) => st.type === "connected" && st.resumed).length,
    0,
  );
  console.log(
    `reconnect cuts: ${cut} cuts (${connectionsCut} connections destroyed, ` +
      `${proxy.accepted} accepted), ${SESSIONS} sessions, ${reconnects} resumed streams, ` +
      `${acks.length} acked publishes stored once, ${top} events; ` +
      `lost 0, duplicated ${duplicates}, gaps ${gaps}`,
  );
}, 90_000);
