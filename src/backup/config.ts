import { z } from "zod";
import {
  type ConfigResult as FlagConfigResult,
  type FlagTable,
  helpText,
  parseConfig,
} from "../cli/flags.ts";
import { isPostgresUrl } from "../store/postgres/url.ts";

/** Everything `bun run backup` can be told, parsed once and passed down. */
export interface BackupConfig {
  db: string;
  out: string;
}

interface BackupFlags {
  db: string;
  out: string | undefined;
}

export const BACKUP_FLAGS: FlagTable<keyof BackupFlags> = {
  db: {
    key: "db",
    env: "CHITCHAT_DB",
    default: "data/chitchat.db",
    help: "the SQLite event log to back up (opened read-only; safe while the server runs)",
  },
  out: {
    key: "out",
    env: "CHITCHAT_BACKUP_OUT",
    default: undefined,
    shownDefault: "backups/chitchat-<today, UTC>.db",
    help: "the file to write; an existing file is never overwritten (its folder is created)",
  },
};

const schema = z.object({
  db: z
    .string()
    .min(1, "--db must not be empty")
    // The URL may carry a password: the sentence does not repeat it.
    .refine((db) => !isPostgresUrl(db), {
      message:
        "--db is a PostgreSQL URL: this copies a SQLite log; back a shared log up with PostgreSQL's own tools (pg_dump --format=custom, or a base backup)",
    }),
  out: z.string().min(1, "--out must not be empty").optional(),
});

/** The default --out: one file per UTC day. */
export function defaultBackupPath(now: Date): string {
  return `backups/chitchat-${now.toISOString().slice(0, 10)}.db`;
}

export function backupHelp(): string {
  return helpText(
    [
      "Usage: bun run backup [--db data/chitchat.db] [--out backups/chitchat-YYYY-MM-DD.db]",
      "",
      "Copies a live event log with SQLite's online backup API, checks the copy (integrity,",
      "seq 1..N without holes, the log id) and prints its log id, newest seq and logical time.",
      "Restore by starting a server on the copy: bun run server --db <copy>.",
    ],
    BACKUP_FLAGS,
  );
}

export function parseBackupConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  now: Date,
): FlagConfigResult<BackupConfig> {
  const parsed = parseConfig(BACKUP_FLAGS, schema as z.ZodType<BackupFlags>, backupHelp, argv, env);
  if (parsed.kind !== "config") return parsed;
  return {
    kind: "config",
    config: { ...parsed.config, out: parsed.config.out ?? defaultBackupPath(now) },
  };
}
