import { sanitize } from "./render.ts";

/** What /history shows when no count is given, and the most one call may ask for. */
export const HISTORY_DEFAULT_COUNT = 20;
export const HISTORY_MAX_COUNT = 1000;

/** What a typed line asks for. */
export type Command =
  | { type: "send"; text: string }
  | { type: "quit" }
  | { type: "help" }
  | { type: "who" }
  | { type: "history"; count: number }
  /** A line starting with / that is no command (or a command used wrongly): never sent. */
  | { type: "refused"; reason: string };

/** The /help text, one line each. */
export const HELP_LINES: readonly string[] = [
  "commands:",
  "  /who          who is in the chat now",
  `  /history N    the last N events of the server's log (1–${HISTORY_MAX_COUNT}, default ${HISTORY_DEFAULT_COUNT})`,
  "  /help         this list",
  "  /quit         leave the chat (so do Ctrl-D and Ctrl-C)",
  "  //text        send a message that starts with a slash: /text",
];

const NO_ARGUMENTS = new Set(["quit", "help", "who"]);

/**
 * Reads a typed line: a message, or a command when it starts with "/". A line
 * starting with "//" is a message without its first slash. Leading and trailing
 * blanks around a command are ignored.
 */
export function parseCommand(line: string): Command {
  const trimmed = line.trim();
  if (!trimmed.startsWith("/")) return { type: "send", text: line };
  if (trimmed.startsWith("//")) return { type: "send", text: line.replace("/", "") };
  const [word = "", ...args] = trimmed.slice(1).split(/\s+/);
  if (NO_ARGUMENTS.has(word)) {
    if (args.length > 0) return { type: "refused", reason: `/${word} takes nothing after it` };
    return { type: word as "quit" | "help" | "who" };
  }
  if (word === "history") {
    if (args.length === 0) return { type: "history", count: HISTORY_DEFAULT_COUNT };
    const count = args.length === 1 && /^\d+$/.test(args[0] ?? "") ? Number(args[0]) : Number.NaN;
    if (count >= 1 && count <= HISTORY_MAX_COUNT) return { type: "history", count };
    return {
      type: "refused",
      reason: `/history takes a number of events from 1 to ${HISTORY_MAX_COUNT} (like /history ${HISTORY_DEFAULT_COUNT})`,
    };
  }
  return {
    type: "refused",
    reason: `unknown command /${sanitize(word)}: /help lists the commands (start a message with // to send one that begins with /)`,
  };
}
