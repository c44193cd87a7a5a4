// A read-only view of the event log in a PostgreSQL database, for `bun run
// inspect`: it never migrates, creates or writes (every transaction of its one
// connection is read-only, so the database refuses a write even by mistake),
// and takes no lease, so the servers sharing the log do not see it.
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { createPostgresReads, type PostgresReads } from "./reads.ts";
import { logInfo } from "./schema.ts";
import { isUnreachable } from "./unavailable.ts";
import { redactUrl } from "./url.ts";

export interface PostgresLogReader extends PostgresReads {
  readonly logId: string;
  close(): Promise<void>;
}

const TABLES = ["events", "participants", "log_info", "log_top"] as const;

/** The database answered, and what it holds is not a ChitChat log. */
class NotALog extends Error {}

/**
 * Opens the log at `url` read-only. Throws an Error with a readable message
 * (the URL without its password) when the database cannot be reached or holds
 * no ChitChat log.
 */
export async function openPostgresReader(url: string): Promise<PostgresLogReader> {
  const shown = redactUrl(url);
  const client = postgres(url, {
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { default_transaction_read_only: true, application_name: "chitchat inspect" },
  });
  try {
    const [found] = await client<Record<(typeof TABLES)[number], string | null>[]>`
      select to_regclass('events')::text as events, to_regclass('participants')::text as participants,
             to_regclass('log_info')::text as log_info, to_regclass('log_top')::text as log_top`;
    const missing = TABLES.find((table) => !found?.[table]);
    if (missing) {
      throw new NotALog(`${shown} is not a ChitChat event log (it has no ${missing} table)`);
    }
    const db = drizzle({ client });
    const [info] = await db.select({ logId: logInfo.logId }).from(logInfo);
    if (!info) throw new NotALog(`${shown} is not a ChitChat event log (no log id)`);
    return {
      ...createPostgresReads(db),
      logId: info.logId,
      close: () => client.end({ timeout: 1 }),
    };
  } catch (error) {
    await client.end({ timeout: 1 });
    if (error instanceof NotALog) throw error;
    const why = (error as Error).message;
    throw new Error(
      isUnreachable(error) ? `cannot reach ${shown}: ${why}` : `cannot read ${shown}: ${why}`,
    );
  }
}
