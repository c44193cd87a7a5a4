import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { MAX_LOGICAL_TIME } from "../protocol/lamport.ts";
import { checkName } from "../protocol/validation.ts";

/** Everything `bun run client` can be told, parsed once and passed down. */
export interface ClientConfig {
  name: string;
  server: string;
  /** Absent: from our own JOIN time - 1. */
  since?: number;
  logFile: string;
  connectTimeoutMs: number;
}

interface Flag {
  key: keyof ClientConfig;
  env: string;
  default: string | undefined;
  help: string;
}

/** Flag name → config key, env twin, default and help; the single table --help prints. */
export const CLIENT_FLAGS: Record<string, Flag> = {
  name: { key: "name", env: "CHITCHAT_NAME", default: undefined, help: "display name (required)" },
  server: {
    key: "server",
    env: "CHITCHAT_SERVER",
    default: "127.0.0.1:50051",
    help: "ChitChat server address, host:port",
  },
  since: {
    key: "since",
    env: "CHITCHAT_SINCE",
    default: undefined,
    help: "show the events after this logical time (default: from your own JOIN)",
  },
  "log-file": {
    key: "logFile",
    env: "CHITCHAT_LOG_FILE",
    default: "logs/<name>.log",
    help: "append every event to this file (its folder is created)",
  },
  "connect-timeout-ms": {
    key: "connectTimeoutMs",
    env: "CHITCHAT_CONNECT_TIMEOUT_MS",
    default: "10000",
    help: "how long to wait for the server at start",
  },
};

/** A file name made from a display name: nothing that could climb out of logs/. */
export function logFileName(name: string): string {
  const safe = name.replace(/[^\p{L}\p{N}_-]+/gu, "_").replace(/^_+|_+$/g, "");
  return `${safe || "client"}.log`;
}

const schema = z.object({
  name: z.string({ error: "--name is required (or set CHITCHAT_NAME)" }).transform((raw, ctx) => {
    const checked = checkName(raw);
    if (checked.ok) return checked.value;
    ctx.addIssue({ code: "custom", message: `--name: ${checked.reason}` });
    return z.NEVER;
  }),
  server: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, "--server must look like host:port"),
  since: z.coerce
    .number({ error: "--since must be a number" })
    .int("--since must be a whole number")
    .min(0, "--since must not be negative")
    .max(MAX_LOGICAL_TIME, "--since is too large")
    .optional(),
  logFile: z.string().min(1, "--log-file must not be empty").optional(),
  connectTimeoutMs: z.coerce
    .number({ error: "--connect-timeout-ms must be a number" })
    .int("--connect-timeout-ms must be a whole number")
    .min(1, "--connect-timeout-ms must be positive")
    .max(2 ** 31 - 1, "--connect-timeout-ms is too large"),
});

export type ConfigResult =
  | { kind: "config"; config: ClientConfig }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

/** The --help text, generated from CLIENT_FLAGS. */
export function clientHelp(): string {
  const lines = [
    "Usage: bun run client --name <name> [options]",
    "",
    "Joins the chat, shows it, and publishes each line you type; /quit (or end of input) leaves.",
    "",
    "Options (each has an environment twin):",
  ];
  for (const [name, flag] of Object.entries(CLIENT_FLAGS)) {
    const def = flag.default === undefined ? "" : ` (default: ${flag.default})`;
    lines.push(`  --${name.padEnd(20)} ${flag.env.padEnd(28)} ${flag.help}${def}`);
  }
  lines.push(`  --${"help".padEnd(20)} ${"".padEnd(28)} show this help`);
  return lines.join("\n");
}

/** Parses flags over env twins over defaults. Flags win over the environment. */
export function parseClientConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
    for (const name of Object.keys(CLIENT_FLAGS)) options[name] = { type: "string" };
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
  if (parsed.values.help) return { kind: "help", text: clientHelp() };
  const raw: Record<string, string | undefined> = {};
  for (const [name, flag] of Object.entries(CLIENT_FLAGS)) {
    const fromFlag = parsed.values[name];
    const fromEnv = env[flag.env] === "" ? undefined : env[flag.env];
    // The log file's default depends on the name, so it is filled in after parsing.
    const fallback = flag.key === "logFile" ? undefined : flag.default;
    raw[flag.key] = typeof fromFlag === "string" ? fromFlag : (fromEnv ?? fallback);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    return { kind: "error", message: result.error.issues.map((i) => i.message).join("; ") };
  }
  const { logFile, ...rest } = result.data;
  return {
    kind: "config",
    config: { ...rest, logFile: logFile ?? join("logs", logFileName(rest.name)) },
  };
}
