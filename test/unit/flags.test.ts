import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import { booleanFlag, helpText, readFlags, wholeNumber } from "../../src/cli/flags.ts";
import { isWildcardHost } from "../../src/cli/hosts.ts";

const TABLE = {
  port: { key: "port", env: "X_PORT", default: "80", help: "the port" },
  name: { key: "name", env: "X_NAME", default: undefined, help: "a name", shownDefault: "<you>" },
} as const;

describe("readFlags", () => {
  test("flags win over env twins, which win over defaults; an empty variable is unset", () => {
    expect(readFlags(TABLE, [], {})).toEqual({ kind: "values", values: { port: "80" } });
    expect(readFlags(TABLE, [], { X_PORT: "81", X_NAME: "" })).toEqual({
      kind: "values",
      values: { port: "81" },
    });
    expect(readFlags(TABLE, ["--port", "82", "--name=Bo"], { X_PORT: "81" })).toEqual({
      kind: "values",
      values: { port: "82", name: "Bo" },
    });
  });

  test("--help, unknown flags and stray arguments", () => {
    expect(readFlags(TABLE, ["--help"], {})).toEqual({ kind: "help" });
    expect(readFlags(TABLE, ["--nope"], {})).toMatchObject({ kind: "error" });
    expect(readFlags(TABLE, ["stray"], {})).toMatchObject({ kind: "error" });
  });
});

describe("switches", () => {
  const SWITCHES = {
    follow: { key: "follow", env: "X_FOLLOW", default: "false", boolean: true, help: "follow" },
  } as const;
  const follow = booleanFlag("follow");

  test("the flag alone means true; its env twin says true/false/1/0/yes/no", () => {
    const read = (argv: string[], env: Record<string, string> = {}) => {
      const result = readFlags(SWITCHES, argv, env);
      return result.kind === "values" ? follow.safeParse(result.values.follow).data : result.kind;
    };
    expect(read([])).toBe(false);
    expect(read(["--follow"])).toBe(true);
    expect(read([], { X_FOLLOW: "1" })).toBe(true);
    expect(read([], { X_FOLLOW: "false" })).toBe(false);
    expect(read(["--follow"], { X_FOLLOW: "0" })).toBe(true);
    expect(read(["--follow=yes"])).toBe("error");
    expect(read([], { X_FOLLOW: "yes" })).toBe(true);
    expect(follow.safeParse("maybe").error?.issues[0]?.message).toBe(
      "--follow takes no value; its variable must be true or false",
    );
  });
});

test("helpText lists every flag with its env twin and default", () => {
  expect(helpText(["Usage: x"], TABLE).split("\n")).toEqual([
    "Usage: x",
    "",
    "Options (each has an environment twin):",
    "  --port   X_PORT  the port (default: 80)",
    "  --name   X_NAME  a name (default: <you>)",
    "  --help           show this help",
  ]);
});

describe("wholeNumber", () => {
  const port = wholeNumber("port", { min: 0, max: 65535, range: "must be 0–65535" });
  const grace = wholeNumber("grace", { min: 1, max: 10 });
  const message = (schema: z.ZodType, value: string) => {
    const result = schema.safeParse(value);
    return result.success ? result.data : result.error.issues.map((i) => i.message).join("; ");
  };

  test("takes plain decimals within range", () => {
    expect(message(port, "0")).toBe(0);
    expect(message(port, " 8080 ")).toBe(8080);
    expect(message(port, "65535")).toBe(65535);
  });

  test.each([
    ["", "--port must be a number"],
    [" ", "--port must be a number"],
    ["0x1F90", "--port must be a number"],
    ["1e3", "--port must be a number"],
    ["abc", "--port must be a number"],
    ["1.5", "--port must be a whole number"],
    ["-1", "--port must be 0–65535"],
    ["65536", "--port must be 0–65535"],
  ])("rejects %j", (value, expected) => {
    expect(message(port, value)).toBe(expected);
  });

  test("default range sentences", () => {
    expect(message(grace, "0")).toBe("--grace must be at least 1");
    expect(message(grace, "11")).toBe("--grace is too large");
    expect(message(wholeNumber("n", { min: 0, max: 1 }), "-2")).toBe("--n must not be negative");
  });
});

test("a wildcard bind is told apart from addresses others can dial", () => {
  for (const host of ["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"]) {
    expect(isWildcardHost(host)).toBe(true);
  }
  for (const host of ["127.0.0.1", "::1", "[::1]", "10.0.0.5", "chat.example.com", "localhost"]) {
    expect(isWildcardHost(host)).toBe(false);
  }
});
