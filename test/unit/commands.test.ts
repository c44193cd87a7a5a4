import { describe, expect, test } from "bun:test";
import { HELP_LINES, parseCommand } from "../../src/client/commands.ts";
import { colorEnabled, formatEvent, nameColor, paintName } from "../../src/client/render.ts";
import type { ChatEventRecord } from "../../src/protocol/events.ts";

describe("parseCommand", () => {
  test("plain lines are messages, //text is the message /text", () => {
    expect(parseCommand("hej")).toEqual({ type: "send", text: "hej" });
    expect(parseCommand("a /who in the middle")).toEqual({
      type: "send",
      text: "a /who in the middle",
    });
    expect(parseCommand("//who")).toEqual({ type: "send", text: "/who" });
    expect(parseCommand("//")).toEqual({ type: "send", text: "/" });
    expect(parseCommand("///x")).toEqual({ type: "send", text: "//x" });
  });

  test("the commands, with blanks around them", () => {
    expect(parseCommand("/quit")).toEqual({ type: "quit" });
    expect(parseCommand("  /quit ")).toEqual({ type: "quit" });
    expect(parseCommand("/help")).toEqual({ type: "help" });
    expect(parseCommand("/who")).toEqual({ type: "who" });
    expect(parseCommand("/history")).toEqual({ type: "history", count: 20 });
    expect(parseCommand("/history 3")).toEqual({ type: "history", count: 3 });
    expect(parseCommand("/history   1000 ")).toEqual({ type: "history", count: 1000 });
  });

  test("anything else starting with / is refused with a reason, never sent", () => {
    const refused = (line: string) => {
      const command = parseCommand(line);
      return command.type === "refused" ? command.reason : command;
    };
    const unknown = (word: string) =>
      `unknown command /${word}: /help lists the commands (start a message with // to send one that begins with /)`;
    expect(refused("/whoo")).toBe(unknown("whoo"));
    expect(refused("/Who")).toBe(unknown("Who"));
    expect(refused("/")).toBe(unknown(""));
    expect(refused("/ hello")).toBe(unknown(""));
    expect(refused("/me waves")).toBe(unknown("me"));
    expect(refused("/x\u001b[2J")).toBe(unknown("x\uFFFD[2J"));
    expect(refused("/who Bo")).toBe("/who takes nothing after it");
    expect(refused("/quit now")).toBe("/quit takes nothing after it");
    const badCount = "/history takes a number of events from 1 to 1000 (like /history 20)";
    for (const line of [
      "/history 0",
      "/history 1001",
      "/history -3",
      "/history ten",
      "/history 1 2",
      "/history 1e3",
    ]) {
      expect({ line, reason: refused(line) }).toEqual({ line, reason: badCount });
    }
  });

  test("/help names every command", () => {
    for (const word of ["/who", "/history N", "/help", "/quit", "//text"]) {
      expect(HELP_LINES.some((line) => line.trimStart().startsWith(word))).toBe(true);
    }
  });
});

describe("coloured names", () => {
  const event = (kind: ChatEventRecord["kind"], content: string): ChatEventRecord => ({
    seq: 4,
    logicalTime: 8,
    kind,
    participantId: "p",
    name: "Alice",
    content,
    sentAtMs: 0,
  });

  test("a name has one colour, in every run; names spread over the palette", () => {
    expect(nameColor("Alice")).toBe(nameColor("Alice"));
    const colors = new Set(
      ["Alice", "Bob", "Carol", "Dave", "Eve", "Mallory", "Trent", "Peggy"].map(nameColor),
    );
    expect(colors.size).toBeGreaterThan(3);
    for (const c of colors) expect([31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96]).toContain(c);
  });

  test("messages and join/leave sentences paint the name only, and only when asked", () => {
    const paint = `\x1b[${nameColor("Alice")}mAlice\x1b[39m`;
    expect(paintName("Alice", true)).toBe(paint);
    expect(formatEvent(event("message", "hej"), { color: true })).toBe(`[8] ${paint}: hej`);
    expect(formatEvent(event("message", "hej"))).toBe("[8] Alice: hej");
    const joined = "Participant Alice joined Chit Chat at logical time 8";
    expect(formatEvent(event("join", joined), { color: true })).toBe(
      `Participant ${paint} joined Chit Chat at logical time 8`,
    );
    expect(formatEvent(event("join", joined))).toBe(joined);
  });

  test("auto: on a terminal unless NO_COLOR is set (to anything but empty)", () => {
    expect(colorEnabled("auto", true, {})).toBe(true);
    expect(colorEnabled("auto", true, { NO_COLOR: "" })).toBe(true);
    expect(colorEnabled("auto", true, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled("auto", false, {})).toBe(false);
    expect(colorEnabled("auto", undefined, {})).toBe(false);
    expect(colorEnabled("always", false, { NO_COLOR: "1" })).toBe(true);
    expect(colorEnabled("never", true, {})).toBe(false);
  });
});
