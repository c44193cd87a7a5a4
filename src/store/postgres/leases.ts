import { and, asc, eq, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Leases, ParticipantRow } from "../event-log.ts";
import { participantColumns, participants, servers } from "./schema.ts";
import { orUnavailable } from "./unavailable.ts";

/** Now by the database's clock, in Unix ms: every server's lease is judged by the same clock. */
export const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** The leases of the servers sharing a PostgreSQL log, as `serverId` keeps and reads them. */
export function createLeases(db: PostgresJsDatabase, serverId: string, ttlMs: number): Leases {
  const current: SQL = gt(servers.renewedAtMs, sql`${DB_NOW_MS} - ${ttlMs}`);
  return {
    serverId,
    ttlMs,
    renew: ({ address, adminUrl }) =>
      orUnavailable(async () => {
        await db
          .insert(servers)
          .values({
            id: serverId,
            address,
            adminUrl,
            startedAtMs: DB_NOW_MS,
            renewedAtMs: DB_NOW_MS,
          })
          .onConflictDoUpdate({
            target: servers.id,
            set: { address, adminUrl, renewedAtMs: DB_NOW_MS },
          });
      }),
    release: () =>
      orUnavailable(async () => {
        await db.delete(servers).where(eq(servers.id, serverId));
      }),
    servers: () =>
      orUnavailable(() =>
        db.select().from(servers).where(current).orderBy(asc(servers.startedAtMs), asc(servers.id)),
      ),
    hold: (participantId, streaming) =>
      orUnavailable(async () => {
        await db
          .update(participants)
          .set({ holderId: serverId, streaming })
          .where(and(eq(participants.id, participantId), isNull(participants.leftSeq)));
      }),
    orphans: () =>
      orUnavailable(
        (): Promise<ParticipantRow[]> =>
          db
            .select(participantColumns)
            .from(participants)
            .where(
              and(
                isNull(participants.leftSeq),
                or(
                  isNull(participants.holderId),
                  sql`not exists (select 1 from ${servers} where ${servers.id} = ${participants.holderId} and ${current})`,
                ),
              ),
            )
            .orderBy(asc(participants.joinedSeq)),
      ),
    holders: () =>
      orUnavailable(() =>
        db
          .select({
            participantId: participants.id,
            serverId: participants.holderId,
            streaming: participants.streaming,
          })
          .from(participants)
          .where(isNull(participants.leftSeq))
          .orderBy(asc(participants.joinedSeq)),
      ),
  };
}
