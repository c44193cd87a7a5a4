import { parseArgs } from "node:util";
import { z } from "zod";

/** Everything `bun run server` can be told, parsed once and passed down. */
export interface ServerConfig {
  host: string;
  port: number;
  db: string;
  leaveGraceMs: number;
  synchronous: "full" | "normal";
  logFile: string | undefined;
  adminHost: string;
  adminPort: number;
  adminToken: string | undefined;
}

interface Flag {
  key: keyof ServerConfig;
  env: string;
  default: string | undefined;
  help: string;
}

/** Flag name → config key, env twin, default and help; the single table --help prints. */
export const SERVER_FLAGS: Record<string, Flag> = {
  host: { key: "host", env: "CHITCHAT_HOST", default: "127.0.0.1", help: "gRPC listen address" },
  port: {
    key: "port",
    env: "CHITCHAT_PORT",
    default: "50051",
    help: "gRPC port (0 = any free port; the bound one is logged)",
  },
  db: {
    key: "db",
    env: "CHITCHAT_DB",
    default: "data/chitchat.db",
    help: "SQLite event log (created and migrated on first start)",
  },
  "leave-grace-ms": {
    key: "leaveGraceMs",
    env: "CHITCHAT_LEAVE_GRACE_MS",
    default: "10000",
    help: "how long a participant without a stream may take to come back before it is announced as left",
  },
  synchronous: {
    key: "synchronous",
    env: "CHITCHAT_SYNCHRONOUS",
    default: "full",
    help: "SQLite synchronous mode: full (fsync every commit) or normal",
  },
  "log-file": {
    key: "logFile",
    env: "CHITCHAT_LOG_FILE",
    default: undefined,
    help: "also append the server log to this file",
  },
  "admin-host": {
    key: "adminHost",
    env: "CHITCHAT_ADMIN_HOST",
    default: "127.0.0.1",
    help: "admin HTTP listen address (reserved: the admin API is not served yet)",
  },
  "admin-port": {
    key: "adminPort",
    env: "CHITCHAT_ADMIN_PORT",
    default: "8080",
    help: "admin HTTP port (reserved)",
  },
  "admin-token": {
    key: "adminToken",
    env: "CHITCHAT_ADMIN_TOKEN",
    default: undefined,
    help: "bearer token for the admin API (reserved)",
  },
};

/**
 * Number flags take plain decimals only: `Number()` alone would read "" and " "
 * as 0 (a random port, no leave grace) and "0x1F90" as 8080.
 */
const DECIMAL = /^\s*[+-]?\d+(\.\d+)?\s*$/;
const decimal = (value: unknown) =>
  typeof value === "string" && !DECIMAL.test(value) ? Number.NaN : value;

const port = (flag: string) =>
  z.preprocess(
    decimal,
    z.coerce
      .number({ error: `--${flag} must be a number` })
      .int(`--${flag} must be a whole number`)
      .min(0, `--${flag} must be 0–65535`)
      .max(65535, `--${flag} must be 0–65535`),
  );

const schema = z.object({
  host: z.string().min(1, "--host must not be empty"),
  port: port("port"),
  db: z.string().min(1, "--db must not be empty"),
  leaveGraceMs: z.preprocess(
    decimal,
    z.coerce
      .number({ error: "--leave-grace-ms must be a number" })
      .int("--leave-grace-ms must be a whole number")
      .min(0, "--leave-grace-ms must not be negative")
      .max(2 ** 31 - 1, "--leave-grace-ms is too large"),
  ),
  synchronous: z.enum(["full", "normal"], { error: "--synchronous must be full or normal" }),
  logFile: z.string().min(1, "--log-file must not be empty").optional(),
  adminHost: z.string().min(1, "--admin-host must not be empty"),
  adminPort: port("admin-port"),
  adminToken: z.string().min(1, "--admin-token must not be empty").optional(),
});

export type ConfigResult =
  | { kind: "config"; config: ServerConfig }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

/** The --help text, generated from SERVER_FLAGS. */
export function serverHelp(): string {
  const lines = ["Usage: bun run server [options]", "", "Options (each has an environment twin):"];
  for (const [name, flag] of Object.entries(SERVER_FLAGS)) {
    const def = flag.default === undefined ? "" : ` (default: ${flag.default})`;
    lines.push(`  --${name.padEnd(16)} ${flag.env.padEnd(24)} ${flag.help}${def}`);
  }
  lines.push(`  --${"help".padEnd(16)} ${"".padEnd(24)} show this help`);
  return lines.join("\n");
}

/** Parses flags over env twins over defaults. Flags win over the environment. */
export function parseServerConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
    for (const name of Object.keys(SERVER_FLAGS)) options[name] = { type: "string" };
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
  if (parsed.values.help) return { kind: "help", text: serverHelp() };
  const raw: Record<string, string | undefined> = {};
  for (const [name, flag] of Object.entries(SERVER_FLAGS)) {
    const fromFlag = parsed.values[name];
    raw[flag.key] = typeof fromFlag === "string" ? fromFlag : (env[flag.env] ?? flag.default);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    return { kind: "error", message: result.error.issues.map((i) => i.message).join("; ") };
  }
  return { kind: "config", config: result.data as ServerConfig };
}
