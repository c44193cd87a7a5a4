import { isIP } from "node:net";
import { join } from "node:path";
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
import { checkName } from "../protocol/validation.ts";
import { DIAGNOSTIC_FORMATS, type DiagnosticFormat } from "./diagnostics.ts";
import type { ColorMode } from "./render.ts";

/** Everything `bun run client` can be told, parsed once and passed down. */
export interface ClientConfig {
  name: string;
  server: string;
  /** Absent: from our own JOIN time - 1. */
  since?: number;
  logFile: string;
  connectTimeoutMs: number;
  /** PEM file of the CA that signed the server's certificate: connect over TLS. */
  tlsCa?: string;
  /** Plaintext, said out loud; only to a loopback server (the default there). */
  insecure: boolean;
  /** How the client's own notes on stderr are written; the chat screen stays human. */
  logFormat: DiagnosticFormat;
  /** Colour names: auto = on a terminal unless NO_COLOR is set. */
  color: ColorMode;
}

/** Flag name → config key, env twin, default and help; the single table --help prints. */
export const CLIENT_FLAGS: FlagTable<keyof ClientConfig> = {
  name: { key: "name", env: "CHITCHAT_NAME", default: undefined, help: "display name (required)" },
  server: {
    key: "server",
    env: "CHITCHAT_SERVER",
    default: "127.0.0.1:50051",
    help: "ChitChat server address, host:port; several servers sharing one log as a comma-separated list (the client uses the first that answers and moves to the next when one fails)",
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
    // Depends on the name, so it is filled in after parsing.
    default: undefined,
    shownDefault: "logs/<name>.log",
    help: "append every event to this file (its folder is created)",
  },
  "connect-timeout-ms": {
    key: "connectTimeoutMs",
    env: "CHITCHAT_CONNECT_TIMEOUT_MS",
    default: "10000",
    help: "how long to wait for the server at start",
  },
  "tls-ca": {
    key: "tlsCa",
    env: "CHITCHAT_TLS_CA",
    default: undefined,
    help: "PEM certificate of the CA that signed the server's: connect over TLS (needed for a server not on this machine)",
  },
  insecure: {
    key: "insecure",
    env: "CHITCHAT_INSECURE",
    default: "false",
    boolean: true,
    shownDefault: "plaintext to loopback servers only",
    help: "connect without TLS; allowed only to 127.0.0.1, ::1 or localhost",
  },
  "log-format": {
    key: "logFormat",
    env: "CHITCHAT_LOG_FORMAT",
    default: "text",
    help: "the client's notes on stderr: text (as they read) or json (one object per line); the chat on stdout is unchanged",
  },
  color: {
    key: "color",
    env: "CHITCHAT_COLOR",
    default: "auto",
    help: "colour the names: auto (when stdout is a terminal and NO_COLOR is not set), always or never",
  },
};

/** The host of a "host:port" (IPv6 without its brackets). */
function hostOf(server: string): string {
  return server.slice(0, server.lastIndexOf(":")).replace(/^\[(.*)\]$/, "$1");
}

/** Whether the server is on this machine, where plaintext never crosses a network. */
export function isLoopback(server: string): boolean {
  const host = hostOf(server).toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** A file name made from a display name: nothing that could climb out of logs/. */
export function logFileName(name: string): string {
  const safe = name.replace(/[^\p{L}\p{N}_-]+/gu, "_").replace(/^_+|_+$/g, "");
  return `${safe || "client"}.log`;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;

/** The addresses in a --server value: comma-separated, spaces around them ignored. */
export function serverList(value: string): string[] {
  return value.split(",").map((one) => one.trim());
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
    .refine(
      (list) => serverList(list).every((one) => HOST_PORT.test(one)),
      "--server must look like host:port (or a comma-separated list of them)",
    )
    .transform((list) => serverList(list).join(",")),
  since: wholeNumber("since", { min: 0, max: MAX_LOGICAL_TIME }).optional(),
  logFile: z.string().min(1, "--log-file must not be empty").optional(),
  connectTimeoutMs: wholeNumber("connect-timeout-ms", { min: 1, max: 2 ** 31 - 1 }),
  tlsCa: z.string().min(1, "--tls-ca must not be empty").optional(),
  insecure: booleanFlag("insecure"),
  logFormat: z.enum(DIAGNOSTIC_FORMATS, { error: "--log-format must be text or json" }),
  color: z.enum(["auto", "always", "never"], { error: "--color must be auto, always or never" }),
});

/**
 * Plaintext only where it cannot be read on a network: a session token sent in
 * the clear to another machine would let anyone on the way act as us.
 */
function transportProblem(c: { server: string; tlsCa?: string; insecure: boolean }) {
  if (c.tlsCa !== undefined && c.insecure) {
    return "--tls-ca and --insecure contradict each other: choose one";
  }
  for (const server of serverList(c.server)) {
    if (c.tlsCa !== undefined && isIP(hostOf(server)) !== 0) {
      // Bun refuses an IP address as the TLS server name, so the certificate could not be checked.
      return `--server ${server}: with --tls-ca, name the server by the host name on its certificate (such as localhost), not an IP address`;
    }
    if (c.tlsCa === undefined && !isLoopback(server)) {
      return c.insecure
        ? `--insecure is only allowed to a server on this machine (127.0.0.1, ::1, localhost), not ${server}: use --tls-ca`
        : `${server} is not on this machine: give --tls-ca <file> to connect over TLS (plaintext only goes to 127.0.0.1, ::1 or localhost)`;
    }
  }
  return undefined;
}

export type ConfigResult = FlagConfigResult<ClientConfig>;

/** The --help text, generated from CLIENT_FLAGS. */
export function clientHelp(): string {
  return helpText(
    [
      "Usage: bun run client --name <name> [options]",
      "",
      "Joins the chat, shows it, and publishes each line you type; /quit (or end of input) leaves.",
      "Commands: /help lists them; /who shows who is here; /history N reprints the last N",
      "events of the server's log; //text sends /text. Any other /word is not sent.",
      "Names are coloured on a terminal; NO_COLOR=1 (or --color never) turns that off.",
    ],
    CLIENT_FLAGS,
  );
}

/** Parses flags over env twins over defaults. Flags win over the environment. */
export function parseClientConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  const parsed = parseConfig(CLIENT_FLAGS, schema, clientHelp, argv, env);
  if (parsed.kind !== "config") return parsed;
  const problem = transportProblem(parsed.config);
  if (problem) return { kind: "error", message: problem };
  const { logFile, ...rest } = parsed.config;
  return {
    kind: "config",
    config: { ...rest, logFile: logFile ?? join("logs", logFileName(rest.name)) },
  };
}
