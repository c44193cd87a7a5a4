import { describe, expect, test } from "bun:test";
import { clientHelp, parseClientConfig } from "../../src/client/cli-config.ts";

describe("parseClientConfig", () => {
  test("defaults", () => {
    expect(parseClientConfig(["--name", "Bo"], {})).toEqual({
      kind: "config",
      config: {
        name: "Bo",
        server: "127.0.0.1:50051",
        since: undefined,
        logFile: "logs/Bo.log",
        connectTimeoutMs: 10_000,
        tlsCa: undefined,
        insecure: false,
        logFormat: "text",
        color: "auto",
      },
    });
  });

  test("flags win over their environment twins", () => {
    const env = {
      CHITCHAT_NAME: "Env",
      CHITCHAT_SERVER: "example.org:1",
      CHITCHAT_SINCE: "3",
      CHITCHAT_LOG_FILE: "/tmp/env.log",
      CHITCHAT_CONNECT_TIMEOUT_MS: "500",
      CHITCHAT_TLS_CA: "/etc/ca.pem",
      CHITCHAT_LOG_FORMAT: "json",
    };
    expect(parseClientConfig([], env)).toEqual({
      kind: "config",
      config: {
        name: "Env",
        server: "example.org:1",
        since: 3,
        logFile: "/tmp/env.log",
        connectTimeoutMs: 500,
        tlsCa: "/etc/ca.pem",
        insecure: false,
        logFormat: "json",
        color: "auto",
      },
    });
    expect(
      parseClientConfig(
        [
          "--name",
          " Bo ",
          "--server",
          "[::1]:7",
          "--since",
          "0",
          "--insecure",
          "--log-format",
          "text",
        ],
        { ...env, CHITCHAT_TLS_CA: "" },
      ),
    ).toEqual({
      kind: "config",
      config: {
        name: "Bo",
        server: "[::1]:7",
        since: 0,
        logFile: "/tmp/env.log",
        connectTimeoutMs: 500,
        tlsCa: undefined,
        insecure: true,
        logFormat: "text",
        color: "auto",
      },
    });
  });

  test("plaintext only to loopback; TLS needs a host name; --tls-ca and --insecure exclude each other", () => {
    const transport = (args: string[], env: Record<string, string> = {}) => {
      const parsed = parseClientConfig(["--name", "Bo", ...args], env);
      return parsed.kind === "config"
        ? { tlsCa: parsed.config.tlsCa, insecure: parsed.config.insecure }
        : (parsed as { message: string }).message;
    };
    for (const server of ["127.0.0.1:1", "127.8.9.10:1", "[::1]:1", "localhost:1", "LOCALHOST:1"]) {
      expect(transport(["--server", server])).toEqual({ tlsCa: undefined, insecure: false });
      expect(transport(["--server", server, "--insecure"])).toEqual({
        tlsCa: undefined,
        insecure: true,
      });
    }
    expect(transport(["--server", "chat.example.org:443"])).toBe(
      "chat.example.org:443 is not on this machine: give --tls-ca <file> to connect over TLS (plaintext only goes to 127.0.0.1, ::1 or localhost)",
    );
    expect(transport(["--server", "10.0.0.7:50051", "--insecure"])).toBe(
      "--insecure is only allowed to a server on this machine (127.0.0.1, ::1, localhost), not 10.0.0.7:50051: use --tls-ca",
    );
    expect(transport(["--server", "chat.example.org:443"], { CHITCHAT_TLS_CA: "ca.pem" })).toEqual({
      tlsCa: "ca.pem",
      insecure: false,
    });
    expect(transport(["--server", "localhost:1", "--tls-ca", "ca.pem", "--insecure"])).toBe(
      "--tls-ca and --insecure contradict each other: choose one",
    );
    expect(transport(["--server", "127.0.0.1:1", "--tls-ca", "ca.pem"])).toBe(
      "--server 127.0.0.1:1: with --tls-ca, name the server by the host name on its certificate (such as localhost), not an IP address",
    );
    expect(transport([], { CHITCHAT_INSECURE: "1" })).toEqual({ tlsCa: undefined, insecure: true });
    expect(transport([], { CHITCHAT_INSECURE: "no" })).toEqual({
      tlsCa: undefined,
      insecure: false,
    });
    expect(transport([], { CHITCHAT_INSECURE: "maybe" })).toBe(
      "--insecure takes no value; its variable must be true or false",
    );
  });

  test("the default log file name cannot leave logs/", () => {
    expect(parseClientConfig(["--name", "../../etc/x"], {})).toMatchObject({
      config: { logFile: "logs/etc_x.log" },
    });
  });

  test("bad input is a clear message", () => {
    expect(parseClientConfig([], {})).toEqual({
      kind: "error",
      message: "--name is required (or set CHITCHAT_NAME)",
    });
    expect(parseClientConfig(["--name", "x".repeat(33)], {})).toEqual({
      kind: "error",
      message: "--name: name must be at most 32 characters (got 33)",
    });
    expect(parseClientConfig(["--name", "Bo", "--since=-1"], {})).toEqual({
      kind: "error",
      message: "--since must not be negative",
    });
    expect(parseClientConfig(["--name", "Bo", "--server", "nohost"], {})).toEqual({
      kind: "error",
      message: "--server must look like host:port (or a comma-separated list of them)",
    });
    expect(parseClientConfig(["--name", "Bo", "--server", "127.0.0.1:1,,127.0.0.1:2"], {})).toEqual(
      {
        kind: "error",
        message: "--server must look like host:port (or a comma-separated list of them)",
      },
    );
    // Each server of a list is held to the plaintext rule.
    expect(
      parseClientConfig(["--name", "Bo", "--server", "127.0.0.1:1, db.example:2"], {}),
    ).toEqual({
      kind: "error",
      message:
        "db.example:2 is not on this machine: give --tls-ca <file> to connect over TLS (plaintext only goes to 127.0.0.1, ::1 or localhost)",
    });
    expect(parseClientConfig(["--name", "Bo", "--log-format", "xml"], {})).toEqual({
      kind: "error",
      message: "--log-format must be text or json",
    });
    expect(parseClientConfig(["--name", "Bo", "--nope"], {})).toMatchObject({ kind: "error" });
  });

  test("--color: auto by default, always or never; anything else is refused", () => {
    const color = (args: string[], env: Record<string, string> = {}) => {
      const parsed = parseClientConfig(["--name", "Bo", ...args], env);
      return parsed.kind === "config"
        ? parsed.config.color
        : (parsed as { message: string }).message;
    };
    expect(color([])).toBe("auto");
    expect(color(["--color", "always"])).toBe("always");
    expect(color([], { CHITCHAT_COLOR: "never" })).toBe("never");
    expect(color(["--color", "never"], { CHITCHAT_COLOR: "always" })).toBe("never");
    expect(color(["--color", "yes"])).toBe("--color must be auto, always or never");
  });

  test("--help names the commands and how colour is turned off", () => {
    for (const word of ["/help", "/who", "/history N", "//text", "NO_COLOR", "--color"]) {
      expect(clientHelp()).toContain(word);
    }
  });

  test("--help lists every flag with its env twin", () => {
    expect(parseClientConfig(["--help"], {})).toEqual({ kind: "help", text: clientHelp() });
    for (const word of [
      "--name",
      "CHITCHAT_NAME",
      "--server",
      "CHITCHAT_SERVER",
      "127.0.0.1:50051",
    ]) {
      expect(clientHelp()).toContain(word);
    }
    for (const word of [
      "--since",
      "CHITCHAT_SINCE",
      "--log-file",
      "CHITCHAT_LOG_FILE",
      "logs/<name>.log",
    ]) {
      expect(clientHelp()).toContain(word);
    }
  });
});

test("--server takes a comma-separated list of servers sharing one log", () => {
  const result = parseClientConfig(
    ["--name", "Bo", "--server", " 127.0.0.1:50051, localhost:50052 ,[::1]:50053"],
    {},
  );
  expect(result).toMatchObject({
    kind: "config",
    config: { server: "127.0.0.1:50051,localhost:50052,[::1]:50053" },
  });
});
