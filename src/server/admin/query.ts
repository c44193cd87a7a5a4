import type { Context } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { ChatError } from "../../protocol/errors.ts";
import { MAX_LOGICAL_TIME } from "../../protocol/lamport.ts";

/** Most events one history page returns, and how many when `limit` is not given. */
export const HISTORY_MAX_LIMIT = 1000;
export const HISTORY_DEFAULT_LIMIT = 100;

/** A decimal whole number in [min, max]: no sign, exponent, fraction or hex. */
function wholeNumber(name: string, min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number (digits only)`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`)
    .meta({ description: `A whole number from ${min} to ${max}.` });
}

export const historyQuery = z
  .strictObject({
    since: wholeNumber("since", 0, MAX_LOGICAL_TIME)
      .optional()
      .meta({ description: "Page forwards: the events with logical time > since (default 0)." }),
    before: wholeNumber("before", 1, MAX_LOGICAL_TIME + 1)
      .optional()
      .meta({ description: "Page backwards: the newest events with logical time < before." }),
    limit: wholeNumber("limit", 1, HISTORY_MAX_LIMIT)
      .prefault(String(HISTORY_DEFAULT_LIMIT))
      .meta({ description: `Most events in the page, 1 to ${HISTORY_MAX_LIMIT}.` }),
  })
  .refine((q) => q.since === undefined || q.before === undefined, {
    message: "give since (page forwards) or before (page backwards), not both",
  });

export const participantsQuery = z.strictObject({
  all: z
    .enum(["1", "0", "true", "false"], { error: "all must be 1 or 0 (or true or false)" })
    .transform((v) => v === "1" || v === "true")
    .prefault("0")
    .meta({ description: "1 (or true): also those who left." }),
});

export const noQuery = z.strictObject({});

type Raw = Record<string, string | string[]>;

/**
 * Parses a query with `schema`, or throws an invalid_argument ChatError naming
 * the parameter. Repeated and unknown parameters are refused before the schema
 * runs, so their messages say exactly that.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, raw: Raw): z.output<S> {
  const known = Object.keys(schema.shape);
  for (const [name, value] of Object.entries(raw)) {
    if (!known.includes(name)) {
      const takes = known.length === 0 ? "takes no parameters" : `takes ${known.join(", ")}`;
      throw new ChatError("invalid_argument", `unknown parameter ${name} (this endpoint ${takes})`);
    }
    if (Array.isArray(value) && value.length > 1) {
      throw new ChatError("invalid_argument", `${name} is given more than once`);
    }
  }
  const single = Object.fromEntries(
    Object.entries(raw).map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]),
  );
  const result = schema.safeParse(single);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ChatError("invalid_argument", issue?.message ?? "invalid query");
  }
  return result.data;
}

/** Hono middleware: the parsed query, or a 400 (thrown ChatError) before the handler runs. */
export function query<S extends z.ZodObject>(schema: S) {
  return validator("query", (_value, c: Context) => parseQuery(schema, c.req.queries()));
}
