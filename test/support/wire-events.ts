// Events in every shape a Broadcast's fields take on the wire, for the tests
// that hold the hand-written encoder and decoder to protobufjs's bytes.
import type { LogEvent } from "../../src/store/event-log.ts";

export const WIRE_BASE: LogEvent = {
  seq: 7,
  logicalTime: 12,
  kind: "message",
  participantId: "00000000-0000-4000-8000-000000000003",
  name: "Bo",
  content: "hej",
  sentAtMs: 1_764_000_000_000,
};

/** Varint widths, empty and long text, non-ASCII, negative int64s. */
export const WIRE_EVENTS: LogEvent[] = [
  WIRE_BASE,
  { ...WIRE_BASE, kind: "join", seq: 1, logicalTime: 1, content: "Participant Bo joined" },
  { ...WIRE_BASE, kind: "leave", seq: 127, logicalTime: 128, sentAtMs: 0 },
  { ...WIRE_BASE, seq: 0, logicalTime: 0, participantId: "", name: "", content: "" },
  { ...WIRE_BASE, seq: 2 ** 31 - 1, logicalTime: 2 ** 31, sentAtMs: 2 ** 32 },
  { ...WIRE_BASE, seq: 2 ** 53 - 1, logicalTime: 2 ** 53 - 2, sentAtMs: 2 ** 53 - 1 },
  { ...WIRE_BASE, sentAtMs: -1 },
  { ...WIRE_BASE, sentAtMs: -(2 ** 40) - 5 },
  { ...WIRE_BASE, name: "Åsa", content: "smörgåsbord, ½ €, 中文" },
  { ...WIRE_BASE, name: "🙂🙂", content: `emoji 🎉 ${"👍".repeat(40)}` },
  { ...WIRE_BASE, content: "x".repeat(127) },
  { ...WIRE_BASE, content: "x".repeat(128) },
  { ...WIRE_BASE, content: "é".repeat(64) },
  { ...WIRE_BASE, content: "long ".repeat(4000) },
  { ...WIRE_BASE, content: "ü".repeat(70_000) },
];
