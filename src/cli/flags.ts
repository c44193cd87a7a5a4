// Command-line plumbing shared by the server's and the client's main: one table
// per program gives every flag its env twin, default and help line.
import { parseArgs } from "node:util";
import { z } from "zod";

export interface FlagSpec<K extends string> {
  /** The config field the flag fills. */
  key: K;
  /** Its environment twin. */
  env: string;
  /** The value when neither flag nor env says otherwise. */
  default: string | undefined;
  help: string;
  /** What --help shows as the default, when it is not a literal value. */
  shownDefault?: string;
  /** A switch without a value (`--insecure`); its value reads as "true" (see booleanFlag). */
  boolean?: true;
}

export type FlagTable<K extends string> = Record<string, FlagSpec<K>>;

export type FlagRead<K extends string> =
  | { kind: "values"; values: Partial<Record<K, string>> }
  | { kind: "help" }
  | { kind: "error"; message: string };

/** Reads flags over env twins (an empty variable counts as unset) over defaults. */
export function readFlags<K extends string>(
  table: FlagTable<K>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): FlagRead<K> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
    for (const [name, flag] of Object.entries(table)) {
      options[name] = { type: flag.boolean ? "boolean" : "string" };
    }
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
  if (parsed.values.help) return { kind: "help" };
  const values: Partial<Record<K, string>> = {};
  for (const [name, flag] of Object.entries(table)) {
    const raw = parsed.values[name];
    const fromFlag = raw === true ? "true" : raw;
    const fromEnv = env[flag.env] === "" ? undefined : env[flag.env];
    const value = typeof fromFlag === "string" ? fromFlag : (fromEnv ?? flag.default);
    if (value !== undefined) values[flag.key] = value;
  }
  return { kind: "values", values };
}

/** The --help text: the usage lines, then one line per flag with its env twin and default. */
export function helpText<K extends string>(usage: readonly string[], table: FlagTable<K>): string {
  const names = [...Object.keys(table), "help"];
  const nameWidth = Math.max(...names.map((n) => n.length)) + 2;
  const envWidth = Math.max(...Object.values(table).map((f) => f.env.length));
  const lines = [...usage, "", "Options (each has an environment twin):"];
  for (const [name, flag] of Object.entries(table)) {
    const shown = flag.shownDefault ?? flag.default;
    const def = shown === undefined ? "" : ` (default: ${shown})`;
    lines.push(`  --${name.padEnd(nameWidth)} ${flag.env.padEnd(envWidth)}  ${flag.help}${def}`);
  }
  lines.push(`  --${"help".padEnd(nameWidth)} ${"".padEnd(envWidth)}  show this help`);
  return lines.join("\n");
}

export interface WholeNumberOptions {
  min: number;
  max: number;
  /** Said when the value is out of range; by default one sentence per bound. */
  range?: string;
}

const DECIMAL = /^\s*[+-]?\d+(\.\d+)?\s*$/;

/**
 * A whole number written in plain decimal digits, within [min, max]. Plain
 * `z.coerce.number()` would read "" and " " as 0 and "0x1F90" as 8080.
 */
export function wholeNumber(flag: string, { min, max, range }: WholeNumberOptions) {
  const tooSmall = range ?? (min === 0 ? "must not be negative" : `must be at least ${min}`);
  const tooLarge = range ?? "is too large";
  return z.string().transform((text, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: "custom", message: `--${flag} ${message}` });
      return z.NEVER;
    };
    if (!DECIMAL.test(text)) return fail("must be a number");
    const value = Number(text);
    if (!Number.isInteger(value)) return fail("must be a whole number");
    if (value < min) return fail(tooSmall);
    if (value > max) return fail(tooLarge);
    return value;
  });
}

/** A switch: the flag alone, or its env twin set to true/1/yes (false/0/no turn it off). */
export function booleanFlag(flag: string) {
  return z.string().transform((text, ctx) => {
    const word = text.trim().toLowerCase();
    if (["true", "1", "yes"].includes(word)) return true;
    if (["false", "0", "no"].includes(word)) return false;
    ctx.addIssue({
      code: "custom",
      message: `--${flag} takes no value; its variable must be true or false`,
    });
    return z.NEVER;
  });
}

/** One sentence from a failed parse: every issue's message. */
export function issuesMessage(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join("; ");
}

export type ConfigResult<T> =
  | { kind: "config"; config: T }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

/** Reads a program's flags and validates them with its schema, Result-style. */
export function parseConfig<K extends string, T>(
  table: FlagTable<K>,
  schema: z.ZodType<T>,
  help: () => string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult<T> {
  const read = readFlags(table, argv, env);
  if (read.kind === "help") return { kind: "help", text: help() };
  if (read.kind === "error") return read;
  const result = schema.safeParse(read.values);
  if (!result.success) return { kind: "error", message: issuesMessage(result.error) };
  return { kind: "config", config: result.data };
}

/**
 * For a program's main only: the parsed config, or else print the --help text
 * (exit 0) or the error with a pointer to --help (exit 2).
 */
export function configOrExit<T>(parsed: ConfigResult<T>, program: string): T {
  if (parsed.kind === "help") {
    console.log(parsed.text);
    process.exit(0);
  }
  if (parsed.kind === "error") {
    console.error(`${program}: ${parsed.message}\nRun with --help to see the options.`);
    process.exit(2);
  }
  return parsed.config;
}
