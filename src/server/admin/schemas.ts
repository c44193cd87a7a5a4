import { z } from "@hono/zod-openapi";
import { EVENT_KINDS, type EventJson } from "../../protocol/events.ts";

// The admin API's response bodies. The handlers' `c.json` calls are type-checked
// against these, and /openapi.json is generated from them.

const logId = z.uuid().meta({ description: "This log's id; a restored copy keeps it." });
const seq = z.int().min(1).meta({ description: "Position in the log: 1, 2, 3, … with no holes." });
const logicalTime = z.int().min(0).meta({ description: "Lamport time." });

export const errorBody = z
  .strictObject({ error: z.string().min(1).meta({ description: "What is wrong, as a sentence." }) })
  .openapi("Error");

export const eventJson = z
  .strictObject({
    seq,
    logicalTime: logicalTime.min(1),
    kind: z.enum(EVENT_KINDS),
    participantId: z.uuid(),
    name: z.string().min(1),
    content: z.string(),
    sentAt: z.iso.datetime().meta({ description: "Server wall-clock time of the commit." }),
  })
  .openapi("Event");

// A compile error here means the schema and the type /history serializes have drifted apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _eventJsonMatches: Same<z.infer<typeof eventJson>, EventJson> = true;
void _eventJsonMatches;

export const historyPage = z
  .strictObject({
    logId,
    events: z.array(eventJson).meta({ description: "Oldest first." }),
    next: logicalTime.nullable().meta({
      description: "The `since` for the newer page; null once this page reaches the newest event.",
    }),
    previous: logicalTime.min(1).nullable().meta({
      description:
        "The `before` for the older page; null once this page starts at the first event.",
    }),
  })
  .openapi("HistoryPage");

export const participantJson = z
  .strictObject({
    id: z.uuid(),
    name: z.string().min(1),
    status: z.enum(["connected", "grace", "leaving", "left"]).meta({
      description:
        "connected: streaming; grace: no stream, within the leave grace; leaving: its LEAVE is being committed; left.",
    }),
    joinedSeq: seq,
    joinedLogicalTime: logicalTime.min(1),
    leftSeq: seq.nullable(),
    leftLogicalTime: logicalTime.min(1).nullable(),
    server: z
      .strictObject({
        id: z.string().min(1),
        address: z.string().nullable().meta({
          description: "Its gRPC address; null when its lease has expired.",
        }),
      })
      .nullable()
      .meta({
        description:
          "The server that holds its stream (or its leave grace); null once it has left, or when no server does.",
      }),
  })
  .openapi("Participant");

export const participantsBody = z
  .strictObject({ logId, participants: z.array(participantJson) })
  .openapi("Participants");

export const healthBody = z
  .strictObject({
    status: z.enum(["starting", "serving", "stopping"]),
    logId,
    seq: z.int().min(0).meta({ description: "The newest seq (0 for an empty log)." }),
    logicalTime: logicalTime.meta({ description: "The newest logical time." }),
    participants: z.int().min(0),
    subscribers: z.int().min(0),
    serverId: z
      .string()
      .min(1)
      .meta({ description: "This server's id among those sharing the log." }),
    database: z.enum(["reachable", "unreachable"]).meta({
      description: "Whether the log's database answers; unreachable makes this a 503.",
    }),
  })
  .openapi("Health");

export const serverJson = z
  .strictObject({
    id: z.string().min(1),
    address: z.string().meta({ description: "Its gRPC address, as it advertises it." }),
    adminUrl: z.string().nullable(),
    startedAt: z.iso.datetime(),
    renewedAt: z.iso.datetime().meta({ description: "When it last renewed its lease." }),
    self: z.boolean().meta({ description: "Whether it is the server that answered." }),
  })
  .openapi("Server");

export const serversBody = z
  .strictObject({ logId, servers: z.array(serverJson) })
  .openapi("Servers");
