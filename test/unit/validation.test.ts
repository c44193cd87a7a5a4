import { describe, expect, test } from "bun:test";
import { EVENT_KINDS, joinSentence, leaveSentence } from "../../src/protocol/events.ts";
import {
  type Check,
  checkMessage,
  checkMessageId,
  checkName,
  MAX_MESSAGE_CHARS,
  MAX_MESSAGE_ID_CHARS,
  MAX_NAME_CHARS,
} from "../../src/protocol/validation.ts";

const EMPTY_NAME: Check<string> = { ok: false, reason: "name must not be empty" };
const CONTROL_IN_NAME: Check<string> = {
  ok: false,
  reason: "name must not contain control characters",
};
const INVALID_NAME: Check<string> = { ok: false, reason: "name must be valid Unicode" };
const EMPTY_MESSAGE: Check<string> = { ok: false, reason: "message must not be empty" };
const BLANK_MESSAGE: Check<string> = { ok: false, reason: "message must not be only whitespace" };
const CONTROL_IN_MESSAGE: Check<string> = {
  ok: false,
  reason: "message must not contain control characters (such as newlines)",
};
const INVALID_MESSAGE: Check<string> = { ok: false, reason: "message must be valid Unicode" };

describe("limits", () => {
  test("are the contract's numbers", () => {
    expect({ MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_MESSAGE_ID_CHARS }).toEqual({
      MAX_MESSAGE_CHARS: 128,
      MAX_NAME_CHARS: 32,
      MAX_MESSAGE_ID_CHARS: 64,
    });
  });
});

describe("checkName", () => {
  test("accepts a plain name", () => {
    expect(checkName("Bo")).toEqual({ ok: true, value: "Bo" });
  });

  test("trims surrounding whitespace, keeps inner spaces", () => {
    expect(checkName("  Bo Li \t")).toEqual({ ok: true, value: "Bo Li" });
  });

  test("trims surrounding newlines before looking for control characters", () => {
    expect(checkName("\nBo\r\n")).toEqual({ ok: true, value: "Bo" });
  });

  test("rejects the empty name", () => {
    expect(checkName("")).toEqual(EMPTY_NAME);
  });

  test.each([" ", "   ", "\t", " \t \n ", "\u00a0\u3000"])(
    "rejects a whitespace-only name %j as empty",
    (raw) => {
      expect(checkName(raw)).toEqual(EMPTY_NAME);
    },
  );

  test("accepts exactly 32 ASCII characters", () => {
    const name = "a".repeat(32);
    expect(checkName(name)).toEqual({ ok: true, value: name });
  });

  test("rejects 33 ASCII characters with the count", () => {
    expect(checkName("a".repeat(33))).toEqual({
      ok: false,
      reason: "name must be at most 32 characters (got 33)",
    });
  });

  test("counts the length after trimming", () => {
    const name = "a".repeat(32);
    expect(checkName(`   ${name}   `)).toEqual({ ok: true, value: name });
  });

  test("counts multi-byte characters and emoji as one character each", () => {
    // "ü" is 2 bytes in UTF-8, "€" 3, "😀" 4 (and 2 UTF-16 code units).
    const mixed = `${"ü".repeat(10)}${"€".repeat(10)}${"😀".repeat(12)}`;
    expect(mixed.length).toBe(44);
    expect(checkName(mixed)).toEqual({ ok: true, value: mixed });
    expect(checkName("😀".repeat(32))).toEqual({ ok: true, value: "😀".repeat(32) });
  });

  test("rejects 33 emoji with a count in code points, not UTF-16 units", () => {
    expect(checkName("😀".repeat(33))).toEqual({
      ok: false,
      reason: "name must be at most 32 characters (got 33)",
    });
  });

  test.each([
    ["newline", "B\no"],
    ["carriage return", "B\ro"],
    ["escape", "B\x1b[31mo"],
    ["NUL", "B\x00o"],
    ["DEL", "B\x7fo"],
    ["C1 next line", "B\u0085o"],
    ["C1 CSI", "B\u009bo"],
    ["tab inside", "B\to"],
  ])("rejects a name with a control character inside (%s)", (_label, raw) => {
    expect(checkName(raw)).toEqual(CONTROL_IN_NAME);
  });

  test("rejects a leading C1 control that trim does not remove", () => {
    // U+0085 is not JavaScript whitespace, so trim keeps it and the check sees it.
    expect(checkName("\u0085Bo")).toEqual(CONTROL_IN_NAME);
  });

  test.each([
    ["high surrogate", "B\ud800o"],
    ["low surrogate", "B\udc00o"],
    ["reversed pair", "\ude00\ud83d"],
    ["lone at the end", "Bo\ud83d"],
  ])("rejects a lone surrogate (%s)", (_label, raw) => {
    expect(checkName(raw)).toEqual(INVALID_NAME);
  });
});

describe("checkMessage", () => {
  test("accepts one character", () => {
    expect(checkMessage("a")).toEqual({ ok: true, value: "a" });
  });

  test("accepts exactly 128 characters", () => {
    const text = "a".repeat(128);
    expect(checkMessage(text)).toEqual({ ok: true, value: text });
  });

  test("rejects 129 characters with the count in the reason", () => {
    expect(checkMessage("a".repeat(129))).toEqual({
      ok: false,
      reason: "message must be at most 128 characters (got 129)",
    });
  });

  test("reports the real count for a much longer message", () => {
    expect(checkMessage("a".repeat(1000))).toEqual({
      ok: false,
      reason: "message must be at most 128 characters (got 1000)",
    });
  });

  test("counts emoji as code points: 128 fit", () => {
    const text = "😀".repeat(128);
    expect(text.length).toBe(256);
    expect(checkMessage(text)).toEqual({ ok: true, value: text });
  });

  test("counts emoji as code points: 129 are rejected with 129 in the reason", () => {
    expect(checkMessage("😀".repeat(129))).toEqual({
      ok: false,
      reason: "message must be at most 128 characters (got 129)",
    });
  });

  test("counts surrounding spaces: the message is not trimmed before counting", () => {
    expect(checkMessage(` ${"a".repeat(128)}`)).toEqual({
      ok: false,
      reason: "message must be at most 128 characters (got 129)",
    });
  });

  test("rejects the empty message", () => {
    expect(checkMessage("")).toEqual(EMPTY_MESSAGE);
  });

  test.each([
    ["spaces", "   "],
    ["tabs only", "\t\t"],
    ["newlines only", "\n\n"],
    ["CRLF only", "\r\n"],
    ["mixed blanks", " \t\n "],
    ["Unicode spaces", "\u00a0\u2003\u3000"],
  ])("rejects a whitespace-only message (%s)", (_label, text) => {
    expect(checkMessage(text)).toEqual(BLANK_MESSAGE);
  });

  test("allows a tab inside and returns the content unchanged", () => {
    expect(checkMessage("a\tb")).toEqual({ ok: true, value: "a\tb" });
  });

  test("returns the content exactly as given, surrounding spaces and tabs included", () => {
    expect(checkMessage("  hi there \t")).toEqual({ ok: true, value: "  hi there \t" });
  });

  test("keeps multi-byte text as given", () => {
    const text = "Grüße, 世界 😀 👩‍👩‍👧";
    expect(checkMessage(text)).toEqual({ ok: true, value: text });
  });

  test.each([
    ["newline inside", "a\nb"],
    ["trailing newline", "hello\n"],
    ["carriage return", "a\rb"],
    ["escape sequence", "a\x1b[2Jb"],
    ["NUL", "a\x00b"],
    ["DEL", "a\x7fb"],
    ["C1 next line", "a\u0085b"],
    ["C1 CSI", "a\u009b2Jb"],
  ])("rejects a control character (%s)", (_label, text) => {
    expect(checkMessage(text)).toEqual(CONTROL_IN_MESSAGE);
  });

  test.each([
    ["high surrogate", "a\ud83db"],
    ["low surrogate", "a\ude00b"],
    ["lone at the end", "hi\ud83d"],
  ])("rejects a lone surrogate (%s)", (_label, text) => {
    expect(checkMessage(text)).toEqual(INVALID_MESSAGE);
  });
});

describe("checkMessageId", () => {
  test("accepts the empty id (none given)", () => {
    expect(checkMessageId("")).toEqual({ ok: true, value: "" });
  });

  test("accepts a typical id", () => {
    const id = "0b7f8c1e-4a3d-4f5e-9c2b-1d2e3f4a5b6c";
    expect(checkMessageId(id)).toEqual({ ok: true, value: id });
  });

  test("accepts exactly 64 characters", () => {
    const id = "x".repeat(64);
    expect(checkMessageId(id)).toEqual({ ok: true, value: id });
  });

  test("rejects 65 characters", () => {
    expect(checkMessageId("x".repeat(65))).toEqual({
      ok: false,
      reason: "message_id must be at most 64 characters",
    });
  });

  test("rejects control characters", () => {
    expect(checkMessageId("a\nb")).toEqual({
      ok: false,
      reason: "message_id must not contain control characters",
    });
  });
});

describe("event sentences", () => {
  test("the kinds are spelled as the log stores them", () => {
    expect(EVENT_KINDS).toEqual(["join", "message", "leave"]);
  });

  test("joinSentence is the exact S5 text", () => {
    expect(joinSentence("Bo", 6)).toBe("Participant Bo joined Chit Chat at logical time 6");
  });

  test("leaveSentence is the exact S6 text", () => {
    expect(leaveSentence("Bo#2", 1042)).toBe(
      "Participant Bo#2 left Chit Chat at logical time 1042",
    );
  });

  test("sentences keep names with spaces and emoji as given", () => {
    expect(joinSentence("Ana Lu 😀", 0)).toBe(
      "Participant Ana Lu 😀 joined Chit Chat at logical time 0",
    );
  });
});

describe("checkName against look-alike names", () => {
  test.each(["\u202eBo", "B\u200bo", "Bo\u2066", "\u200fBo"])("rejects %j", (name) => {
    expect(checkName(name)).toEqual({
      ok: false,
      reason: "name must not contain invisible or text-direction characters",
    });
  });

  test("keeps emoji sequences joined with ZWJ", () => {
    expect(checkName("👩‍💻 Bo")).toEqual({ ok: true, value: "👩‍💻 Bo" });
  });
});
