import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Sql } from "postgres";
import { logInfo, logTop } from "./schema.ts";

/** drizzle-kit's output for PostgreSQL (drizzle.pg.config.ts). */
export const PG_MIGRATIONS_DIR = fileURLToPath(
  new URL("../../../migrations/postgres", import.meta.url),
);

/** Any fixed number: the session lock every opening server takes around migrations. */
const MIGRATION_LOCK = 0x63686174; // "chat"

/**
 * Migrates the database and creates the log's identity and clock, once, whichever
 * server comes first: the others wait on an advisory lock and then find it done.
 * `client` must be a one-connection client, so the session lock covers every statement.
 */
export async function migrateAndInit(client: Sql, now: () => number): Promise<string> {
  await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
  try {
    const db = drizzle({ client });
    await migrate(db, { migrationsFolder: PG_MIGRATIONS_DIR });
    await db
      .insert(logInfo)
      .values({ singleton: 1, logId: randomUUID(), createdAtMs: now() })
      .onConflictDoNothing();
    await db.insert(logTop).values({ singleton: 1, seq: 0, logicalTime: 0 }).onConflictDoNothing();
    const [info] = await db.select({ logId: logInfo.logId }).from(logInfo);
    if (!info) throw new Error("log_info is empty after creation");
    return info.logId;
  } finally {
    await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  }
}
