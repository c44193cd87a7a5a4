import { ChatError } from "../protocol/errors.ts";
import { MAX_LOGICAL_TIME } from "../protocol/lamport.ts";
import { checkMessage, checkMessageId, checkName } from "../protocol/validation.ts";
import type { Hub, Participant } from "./hub.ts";
import type { Logger } from "./logger.ts";
import type { ChatMetrics } from "./metrics.ts";

// The checks every transport (gRPC, the browser's WebSocket) applies to a
// request before the hub sees it: one set of rules, whatever carried it.

export const invalid = (message: string) => new ChatError("invalid_argument", message);

export function checkLogicalTime(value: number): number {
  if (!Number.isSafeInteger(value) || value > MAX_LOGICAL_TIME) {
    throw invalid(`logical_time must be at most ${MAX_LOGICAL_TIME}`);
  }
  return value;
}

export function requireValue<T>(check: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!check.ok) throw invalid(check.reason);
  return check.value;
}

/** Join's checks and its way into the log: what the JoinAck (or the "joined" frame) carries. */
export async function joinChat(hub: Hub, request: { name: string; logicalTime: number }) {
  const name = requireValue(checkName(request.name));
  const logicalTime = checkLogicalTime(request.logicalTime);
  const { participant, event, token } = await hub.join(name, logicalTime);
  return {
    participantId: participant.id,
    name: participant.name,
    logicalTime: event.logicalTime,
    seq: event.seq,
    sessionToken: token,
    logId: hub.logId,
  };
}

/** A publish as any transport carries it, before its checks. */
export interface PublishInput {
  content: string;
  messageId: string;
  logicalTime: number;
}

export interface PublishOptions {
  hub: Hub;
  metrics: ChatMetrics;
  logger: Logger;
}

/**
 * Publish's checks and its way into the log, for an authenticated
 * participant: resolves with the stored event's place once it is committed.
 */
export function createPublish({ hub, metrics, logger }: PublishOptions) {
  const done = (
    participant: Participant,
    arrived: number,
    event: { logicalTime: number; seq: number },
  ) => {
    // The hub settles a publish after its commit's fan-out has run.
    metrics.publishFannedOut((performance.now() - arrived) / 1000);
    logger.info("publish", {
      participant: participant.id,
      name: participant.name,
      lt: event.logicalTime,
      seq: event.seq,
    });
    return { logicalTime: event.logicalTime, seq: event.seq };
  };
  // Not an async function: one promise hop fewer on every publish. A refused
  // check is a rejected promise all the same.
  return (
    participant: Participant,
    request: PublishInput,
  ): Promise<{ logicalTime: number; seq: number }> => {
    const arrived = performance.now();
    let stored: Promise<{ logicalTime: number; seq: number }>;
    try {
      const content = requireValue(checkMessage(request.content));
      const messageId = requireValue(checkMessageId(request.messageId));
      const logicalTime = checkLogicalTime(request.logicalTime);
      stored = hub.publish(participant, content, logicalTime, messageId);
    } catch (error) {
      return Promise.reject(error);
    }
    return stored.then((event) => done(participant, arrived, event));
  };
}
