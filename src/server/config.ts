import { z } from "zod";
import {
  type ConfigResult as FlagConfigResult,
  type FlagTable,
  helpText,
  parseConfig,
  wholeNumber,
} from "../cli/flags.ts";
import { isLoopbackHost } from "../cli/hosts.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./logger.ts";

/** Everything `bun run server` can be told, parsed once and passed down. */
export interface ServerConfig {
  host: string;
  port: number;
  db: string;
  leaveGraceMs: number;
  synchronous: "full" | "normal";
  logFile: string | undefined;
  logFormat: LogFormat;
  logLevel: LogLevel;
  adminHost: string;
  adminPort: number;
  adminToken: string | undefined;
  heartbeatMs: number;
  leaseTtlMs: number;
  /** What this server's lease tells the others (and /servers); the bound addresses by default. */
  advertiseAddress: string | undefined;
  advertiseAdminUrl: string | undefined;
  keepaliveMs: number;
  keepaliveTimeoutMs: number;
  maxQueueEvents: number;
  maxQueueBytes: number;
  maxMessageBytes: number;
  publishRate: number;
  publishBurst: number;
  maxParticipants: number;
  /** PEM files; both or neither. With them gRPC is served over TLS only. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
}

/** Flag name → config key, env twin, default and help; the single table --help prints. */
export const SERVER_FLAGS: FlagTable<keyof ServerConfig> = {
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
    help: "event log: a SQLite file, or a postgres:// URL that several servers share (created and migrated on first start)",
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
  "log-format": {
    key: "logFormat",
    env: "CHITCHAT_LOG_FORMAT",
    default: "text",
    help: "text (one human line per event) or json (one JSON object per line)",
  },
  "log-level": {
    key: "logLevel",
    env: "CHITCHAT_LOG_LEVEL",
    default: "info",
    help: "the least severe lines logged: debug, info, warn or error",
  },
  "admin-host": {
    key: "adminHost",
    env: "CHITCHAT_ADMIN_HOST",
    default: "127.0.0.1",
    help: "HTTP listen address: the admin API, and the browser chat at / (beyond loopback it needs --admin-token)",
  },
  "admin-port": {
    key: "adminPort",
    env: "CHITCHAT_ADMIN_PORT",
    default: "8080",
    help: "HTTP port of the admin API and the browser chat (0 = any free port; the bound one is logged)",
  },
  "admin-token": {
    key: "adminToken",
    env: "CHITCHAT_ADMIN_TOKEN",
    default: undefined,
    help: "bearer token the admin API requires on every endpoint but /healthz and /openapi.json",
  },
  "heartbeat-ms": {
    key: "heartbeatMs",
    env: "CHITCHAT_HEARTBEAT_MS",
    default: "5000",
    help: "write a heartbeat (the log's top seq) on a live stream that was idle this long, so a client notices a missed event (0 = never)",
  },
  "lease-ttl-ms": {
    key: "leaseTtlMs",
    env: "CHITCHAT_LEASE_TTL_MS",
    default: "5000",
    help: "on a shared PostgreSQL log: how long after a server's last lease renewal the others take its participants over (it renews every fifth of this); every server of a log should use the same value; unused with SQLite",
  },
  "advertise-address": {
    key: "advertiseAddress",
    env: "CHITCHAT_ADVERTISE_ADDRESS",
    default: undefined,
    shownDefault: "the bound address",
    help: "on a shared PostgreSQL log: the host:port the other servers and /servers show for this server's gRPC; set it when --host is 0.0.0.0 or behind NAT",
  },
  "advertise-admin-url": {
    key: "advertiseAdminUrl",
    env: "CHITCHAT_ADVERTISE_ADMIN_URL",
    default: undefined,
    shownDefault: "the bound admin URL",
    help: "the same for the admin API: an http(s) URL",
  },
  "keepalive-ms": {
    key: "keepaliveMs",
    env: "CHITCHAT_KEEPALIVE_MS",
    default: "5000",
    help: "ping every client connection this often (HTTP/2 PING); one that does not answer within --keepalive-timeout-ms is dropped, so a vanished peer's participants enter the leave grace (0 = never)",
  },
  "keepalive-timeout-ms": {
    key: "keepaliveTimeoutMs",
    env: "CHITCHAT_KEEPALIVE_TIMEOUT_MS",
    default: "10000",
    help: "how long a keepalive ping may go unanswered before its connection is dropped",
  },
  "max-queue-events": {
    key: "maxQueueEvents",
    env: "CHITCHAT_MAX_QUEUE_EVENTS",
    default: "1024",
    help: "live events held for a subscriber whose stream is full before it is served from the log instead",
  },
  "max-queue-bytes": {
    key: "maxQueueBytes",
    env: "CHITCHAT_MAX_QUEUE_BYTES",
    default: "1048576",
    help: "the same bound in (estimated) bytes; whichever is reached first applies",
  },
  "max-message-bytes": {
    key: "maxMessageBytes",
    env: "CHITCHAT_MAX_MESSAGE_BYTES",
    default: "65536",
    help: "largest gRPC request accepted, in bytes; bigger ones get RESOURCE_EXHAUSTED",
  },
  "publish-rate": {
    key: "publishRate",
    env: "CHITCHAT_PUBLISH_RATE",
    default: "20",
    help: "publishes per participant per second, on average (0 = no limit)",
  },
  "publish-burst": {
    key: "publishBurst",
    env: "CHITCHAT_PUBLISH_BURST",
    default: "40",
    help: "publishes a participant may send at once after a quiet spell",
  },
  "max-participants": {
    key: "maxParticipants",
    env: "CHITCHAT_MAX_PARTICIPANTS",
    default: "1000",
    help: "participants in the chat at once (on a shared PostgreSQL log, across all its servers); a Join past it gets RESOURCE_EXHAUSTED",
  },
  "tls-cert": {
    key: "tlsCert",
    env: "CHITCHAT_TLS_CERT",
    default: undefined,
    help: "PEM certificate (chain): serve gRPC over TLS and the admin API over HTTPS; needs --tls-key",
  },
  "tls-key": {
    key: "tlsKey",
    env: "CHITCHAT_TLS_KEY",
    default: undefined,
    help: "PEM private key of --tls-cert",
  },
};

const fields = z.object({
  host: z.string().min(1, "--host must not be empty"),
  port: wholeNumber("port", { min: 0, max: 65535, range: "must be 0–65535" }),
  db: z.string().min(1, "--db must not be empty"),
  leaveGraceMs: wholeNumber("leave-grace-ms", { min: 0, max: 2 ** 31 - 1 }),
  synchronous: z.enum(["full", "normal"], { error: "--synchronous must be full or normal" }),
  logFile: z.string().min(1, "--log-file must not be empty").optional(),
  logFormat: z.enum(LOG_FORMATS, { error: "--log-format must be text or json" }),
  logLevel: z.enum(LOG_LEVELS, { error: "--log-level must be debug, info, warn or error" }),
  adminHost: z.string().min(1, "--admin-host must not be empty"),
  adminPort: wholeNumber("admin-port", { min: 0, max: 65535, range: "must be 0–65535" }),
  adminToken: z.string().min(1, "--admin-token must not be empty").optional(),
  heartbeatMs: wholeNumber("heartbeat-ms", { min: 0, max: 2 ** 31 - 1 }),
  leaseTtlMs: wholeNumber("lease-ttl-ms", { min: 500, max: 3_600_000 }),
  advertiseAddress: z
    .string()
    .refine(
      (a) => {
        const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(a);
        return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
      },
      {
        message:
          "--advertise-address must be host:port with a port 1–65535 (like chat-a.example.com:50051)",
      },
    )
    .optional(),
  advertiseAdminUrl: z
    .url({
      protocol: /^https?$/,
      error: "--advertise-admin-url must be an http:// or https:// URL",
    })
    .optional(),
  keepaliveMs: wholeNumber("keepalive-ms", { min: 0, max: 2 ** 31 - 1 }),
  keepaliveTimeoutMs: wholeNumber("keepalive-timeout-ms", { min: 100, max: 2 ** 31 - 1 }),
  maxQueueEvents: wholeNumber("max-queue-events", { min: 1, max: 2 ** 31 - 1 }),
  maxQueueBytes: wholeNumber("max-queue-bytes", { min: 1, max: Number.MAX_SAFE_INTEGER }),
  // Below 1 KiB not even a full-length message with its ids fits.
  maxMessageBytes: wholeNumber("max-message-bytes", { min: 1024, max: 2 ** 31 - 1 }),
  publishRate: wholeNumber("publish-rate", { min: 0, max: 1_000_000 }),
  publishBurst: wholeNumber("publish-burst", { min: 1, max: 1_000_000 }),
  maxParticipants: wholeNumber("max-participants", { min: 1, max: 1_000_000 }),
  tlsCert: z.string().min(1, "--tls-cert must not be empty").optional(),
  tlsKey: z.string().min(1, "--tls-key must not be empty").optional(),
});

const schema = fields
  // A certificate without its key (or the reverse) is a mistake, not a request for plaintext.
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), {
    message: "--tls-cert and --tls-key go together: give both, or neither for plaintext",
  })
  .refine((c) => c.adminToken !== undefined || isLoopbackHost(c.adminHost), {
    message:
      "refusing to serve the admin API beyond loopback without a token: set --admin-token (or CHITCHAT_ADMIN_TOKEN), or bind --admin-host to 127.0.0.1",
  });

export type ConfigResult = FlagConfigResult<ServerConfig>;

const TUNING_KEYS = [
  "leaveGraceMs",
  "heartbeatMs",
  "keepaliveMs",
  "keepaliveTimeoutMs",
  "maxQueueEvents",
  "maxQueueBytes",
  "maxMessageBytes",
  "publishRate",
  "publishBurst",
  "maxParticipants",
] as const;

/** The settings createChatServer takes as they are. */
export type ServerTuning = Pick<ServerConfig, (typeof TUNING_KEYS)[number]>;

export function serverTuning(config: ServerConfig): ServerTuning {
  return Object.fromEntries(TUNING_KEYS.map((key) => [key, config[key]])) as ServerTuning;
}

/** The --help text, generated from SERVER_FLAGS. */
export function serverHelp(): string {
  return helpText(["Usage: bun run server [options]"], SERVER_FLAGS);
}

/** Parses flags over env twins over defaults. Flags win over the environment. */
export function parseServerConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  return parseConfig(SERVER_FLAGS, schema as z.ZodType<ServerConfig>, serverHelp, argv, env);
}
