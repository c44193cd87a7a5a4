import type { ClientFrame, RequestId } from "../../protocol/ws-frames.ts";

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id: RequestId; reason: string };

const TYPES = ["join", "subscribe", "publish", "leave"] as const;
type FrameType = (typeof TYPES)[number];

// Each frame's fields and what they hold; anything else in a frame is ignored (as protobuf does).
const FIELDS: Record<FrameType, Record<string, "string" | "count">> = {
  join: { name: "string", logicalTime: "count" },
  subscribe: { participantId: "string", sessionToken: "string", since: "count", logId: "string" },
  publish: {
    participantId: "string",
    sessionToken: "string",
    content: "string",
    logicalTime: "count",
    messageId: "string",
  },
  leave: { participantId: "string", sessionToken: "string", logicalTime: "count" },
};

function requestId(value: unknown): RequestId | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" && value.length <= 64) return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  return undefined;
}

/** Reads one text frame; a frame that is not a request gets a sentence saying why. */
export function parseClientFrame(text: string): ParsedFrame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, id: null, reason: "a frame must be one JSON object" };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, id: null, reason: "a frame must be one JSON object" };
  }
  const raw = data as Record<string, unknown>;
  const id = requestId(raw.id);
  if (id === undefined) {
    return {
      ok: false,
      id: null,
      reason: "id must be a string of at most 64 characters or a whole number",
    };
  }
  const type = raw.type;
  if (typeof type !== "string" || !(TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      id,
      reason: `type must be one of ${TYPES.join(", ")} (got ${JSON.stringify(type) ?? "nothing"})`,
    };
  }
  const frame: Record<string, unknown> = { type, id };
  for (const [field, kind] of Object.entries(FIELDS[type as FrameType])) {
    // A field left out has proto3's default, as over gRPC.
    const value = raw[field] ?? (kind === "string" ? "" : 0);
    if (kind === "string" && typeof value !== "string") {
      return { ok: false, id, reason: `${type}: ${field} must be a string` };
    }
    if (kind === "count" && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
      return { ok: false, id, reason: `${type}: ${field} must be a whole number, 0 or more` };
    }
    frame[field] = value;
  }
  return { ok: true, frame: frame as ClientFrame };
}
