// The store backends the contract tests run against, each opened on a fresh log.
import { openPostgresLog } from "../../src/store/postgres/open.ts";
import type { EventLog } from "../../src/store/postgres/types.ts";
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
