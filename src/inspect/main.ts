// `bun run inspect`: prints the event log read-only, with no server.
import { configOrExit } from "../cli/flags.ts";
import type { PostgresLogReader } from "../store/postgres/reader.ts";
import { isPostgresUrl } from "../store/postgres/url.ts";
import { type LogReader, openLogReader } from "../store/reader.ts";
import { parseInspectConfig } from "./config.ts";
import { inspectJson, inspectLine } from "./format.ts";

const PAGE = 1000;
/** How often --follow looks for new events: often enough to feel live, cheap on an index. */
const FOLLOW_POLL_MS = 100;

const config = configOrExit(
  parseInspectConfig(process.argv.slice(2), process.env),
  "chitchat inspect",
);

// A SQLite file (read synchronously) or a PostgreSQL database; every call is awaited.
let reader: LogReader | PostgresLogReader;
try {
  reader = isPostgresUrl(config.db)
    ? await (await import("../store/postgres/reader.ts")).openPostgresReader(config.db)
    : openLogReader(config.db);
} catch (error) {
  console.error(`chitchat inspect: ${(error as Error).message}`);
  process.exit(1);
}

const top = await reader.top();
if (config.since > top.logicalTime && !config.follow) {
  console.error(
    `chitchat inspect: --since ${config.since} is ahead of the log (its newest logical time is ${top.logicalTime})`,
  );
  process.exit(1);
}

// `| head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const format = config.json ? inspectJson : inspectLine;
let left = config.limit ?? Number.POSITIVE_INFINITY;
let lastSeq = config.since === 0 ? 0 : await reader.seqAtOrBefore(config.since);

/** Prints what the log holds after lastSeq; false once the limit is reached. */
async function printAvailable(): Promise<boolean> {
  for (;;) {
    const page = await reader.readAfterSeq(lastSeq, Math.min(PAGE, left));
    if (page.length === 0) return true;
    const text = `${page.map(format).join("\n")}\n`;
    if (!process.stdout.write(text)) {
      await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
    lastSeq = (page[page.length - 1] as (typeof page)[number]).seq;
    left -= page.length;
    if (left <= 0) return false;
  }
}

let more = await printAvailable();
if (config.follow) {
  const stop = async () => {
    await reader.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  while (more) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    more = await printAvailable();
  }
}
await reader.close();
