// The store backends the contract tests run against, each opened on a fresh log.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventLog } from "../../src/store/event-log.ts";
import { openEventLog } from "../../src/store/open.ts";
import { openPostgresLog } from "../../src/store/postgres/open.ts";
import { sharedPostgres } from "../support/postgres.ts";

export interface LogOptions {
  now?: () => number;
}

/** A fresh, empty log's location; `open` may be called again for the same log. */
export interface FreshLog {
  open(options?: LogOptions): Promise<EventLog>;
  /** Removes what the log left behind (after every open log is closed). */
  dispose(): Promise<void>;
}

export interface Backend {
  name: EventLog["backend"];
  fresh(): Promise<FreshLog>;
}

export const BACKENDS: Backend[] = [
  {
    name: "sqlite",
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), "chitchat-contract-"));
      const path = join(dir, "chitchat.db");
      return {
        open: async (options = {}) => openEventLog({ path, ...options }),
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "postgres",
    async fresh() {
      const cluster = await sharedPostgres();
      const url = await cluster.createDatabase();
      return {
        open: (options = {}) => openPostgresLog({ url, ...options }),
        dispose: async () => {},
      };
    },
  },
];
