import { z } from "zod";
import {
  booleanFlag,
  type ConfigResult as FlagConfigResult,
  type FlagTable,
  helpText,
  parseConfig,
  wholeNumber,
} from "../cli/flags.ts";
import { MAX_LOGICAL_TIME } from "../protocol/lamport.ts";

/** Everything `bun run inspect` can be told, parsed once and passed down. */
export interface InspectConfig {
  db: string;
  since: number;
  /** Stop after this many events; absent: no limit. */
  limit: number | undefined;
  follow: boolean;
  json: boolean;
}

export const INSPECT_FLAGS: FlagTable<keyof InspectConfig> = {
  db: {
    key: "db",
    env: "CHITCHAT_DB",
    default: "data/chitchat.db",
    help: "the event log to read: a SQLite file, or a postgres:// URL of a log servers share (read-only either way; safe while servers run)",
  },
  since: {
    key: "since",
    env: "CHITCHAT_INSPECT_SINCE",
    default: "0",
    help: "print the events after this logical time",
  },
  limit: {
    key: "limit",
    env: "CHITCHAT_INSPECT_LIMIT",
    default: undefined,
    shownDefault: "no limit",
    help: "stop after this many events",
  },
  follow: {
    key: "follow",
    env: "CHITCHAT_INSPECT_FOLLOW",
    default: "false",
    boolean: true,
    help: "keep printing new events as the server commits them (Ctrl-C stops)",
  },
  json: {
    key: "json",
    env: "CHITCHAT_INSPECT_JSON",
    default: "false",
    boolean: true,
    help: "one JSON object per event, as the admin API's /history shows them",
  },
};

const schema = z.object({
  db: z.string().min(1, "--db must not be empty"),
  since: wholeNumber("since", { min: 0, max: MAX_LOGICAL_TIME }),
  limit: wholeNumber("limit", { min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
  follow: booleanFlag("follow"),
  json: booleanFlag("json"),
});

export function inspectHelp(): string {
  return helpText(
    [
      "Usage: bun run inspect [options]",
      "",
      "Prints the event log as the chat shows it, [logical time] #seq name: text, without a server.",
    ],
    INSPECT_FLAGS,
  );
}

export function parseInspectConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): FlagConfigResult<InspectConfig> {
  return parseConfig(INSPECT_FLAGS, schema as z.ZodType<InspectConfig>, inspectHelp, argv, env);
}
