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
    };
    expect(parseClientConfig([], env)).toEqual({
      kind: "config",
      config: {
        name: "Env",
        server: "example.org:1",
        since: 3,
        logFile: "/tmp/env.log",
        connectTimeoutMs: 500,
      },
    });
    expect(
      parseClientConfig(["--name", " Bo ", "--server", "[::1]:7", "--since", "0"], env),
    ).toEqual({
      kind: "config",
      config: {
        name: "Bo",
        server: "[::1]:7",
        since: 0,
        logFile: "/tmp/env.log",
        connectTimeoutMs: 500,
      },
    });
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
      message: "--server must look like host:port",
    });
    expect(parseClientConfig(["--name", "Bo", "--nope"], {})).toMatchObject({ kind: "error" });
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
