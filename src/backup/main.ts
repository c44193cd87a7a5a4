// `bun run backup`: a verified copy of a live event log; the only backup file
// that reads argv/env and exits.
import { configOrExit } from "../cli/flags.ts";
import { BackupError, backupLog } from "./backup.ts";
import { parseBackupConfig } from "./config.ts";

const config = configOrExit(
  parseBackupConfig(process.argv.slice(2), process.env, new Date()),
  "chitchat backup",
);

const started = performance.now();
try {
  const report = await backupLog(config);
  const ms = Math.round(performance.now() - started);
  console.log(
    [
      `backed up ${report.db} to ${report.out} (${report.bytes} bytes, ${ms} ms)`,
      `log id:     ${report.logId}`,
      `events:     ${report.events} (seq 1..${report.seq}, no holes, logical time increasing)`,
      `newest:     seq ${report.seq}, logical time ${report.logicalTime}`,
      "integrity:  ok",
      `restore:    bun run server --db ${report.out}`,
    ].join("\n"),
  );
} catch (error) {
  const message = (error as Error).message;
  console.error(
    `chitchat backup: ${error instanceof BackupError ? message : `backup failed: ${message}`}`,
  );
  process.exit(1);
}
