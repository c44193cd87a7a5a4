// Appends/s on a shared PostgreSQL log: 1 and 3 EventLog instances (as 1 and 3
// servers would open it) on one throwaway cluster (fsync on), 16 concurrent
// appenders each, through the hub's group committer (one transaction per
// batch) and, for comparison, one transaction per append.
// Run: bun bench/probes/pg-append.ts [seconds per run, default 5]
// The instances share this one process (and its CPU), unlike real servers.
import { createGroupCommitter } from "../../src/server/committer.ts";
import type { AppendResult, EventDraft, EventLog } from "../../src/store/event-log.ts";
import { openPostgresLog } from "../../src/store/postgres/open.ts";
import { startPostgres } from "../../test/support/postgres.ts";

const SECONDS = Number(process.argv[2] ?? 5);
const APPENDERS = 16;

await using cluster = await startPostgres();
for (const mode of ["group commit", "one transaction per append"] as const) {
  for (const instances of [1, 3]) {
    const url = await cluster.createDatabase();
    const logs: EventLog[] = [];
    for (let i = 0; i < instances; i += 1) logs.push(await openPostgresLog({ url }));
    let heard = 0;
    for (const log of logs) log.onAppend((events) => (heard += events.length));
    const deadline = performance.now() + SECONDS * 1000;
    let acked = 0;
    const started = performance.now();
    await Promise.all(
      logs.flatMap((log, server) => {
        const committer = createGroupCommitter(log);
        const append = (draft: EventDraft): Promise<AppendResult> =>
          mode === "group commit"
            ? committer.submit(draft)
            : log.append([draft]).then((results) => results[0] as AppendResult);
        return Array.from({ length: APPENDERS }, async (_, a) => {
          const participantId = `s${server}-a${a}`;
          await append({
            kind: "join",
            participantId,
            name: participantId,
            logicalTime: 0,
            tokenHash: "h",
          });
          for (let m = 0; performance.now() < deadline; m += 1) {
            const result = await append({
              kind: "message",
              participantId,
              name: participantId,
              logicalTime: 0,
              content: `message ${m}`,
              messageId: `m${m}`,
            });
            if (result.status !== "stored") throw new Error(`append answered ${result.status}`);
            acked += 1;
          }
        });
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const { seq } = await (logs[0] as EventLog).top();
    const expected = seq * instances;
    const waitStart = performance.now();
    while (heard < expected && performance.now() - waitStart < 10_000) await Bun.sleep(5);
    console.log(
      `${mode}, ${instances} instance(s) x ${APPENDERS} appenders: ${(acked / seconds).toFixed(0)} appends/s ` +
        `(${acked} in ${seconds.toFixed(1)} s; listeners heard ${heard}/${expected})`,
    );
    for (const log of logs) await log.close();
  }
}
