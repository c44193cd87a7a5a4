// Real client sessions (src/client/session.ts) whose events and statuses a test reads.
import {
  type Ack,
  type ChatEvent,
  type ChatSession,
  type ChatSessionOptions,
  createChatSession,
  type SessionStatus,
} from "../../src/client/session.ts";

/** A session and everything it reported. */
export interface TrackedSession {
  session: ChatSession;
  events: ChatEvent[];
  statuses: SessionStatus[];
}

/** A session to `address` that records its events and statuses; fast backoff unless overridden. */
export function trackSession(
  address: string,
  name: string,
  options: Partial<ChatSessionOptions> = {},
): TrackedSession {
  const events: ChatEvent[] = [];
  const statuses: SessionStatus[] = [];
  const session = createChatSession({
    server: address,
    name,
    backoff: { initialMs: 50, maxMs: 500 },
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    ...options,
  });
  return { session, events, statuses };
}

/** Seq of each event. */
export const seqs = (events: readonly { seq: number }[]) => events.map((e) => e.seq);

/**
 * What is wrong with what one subscriber received, given the seqs it should
 * have seen (dense, in order): each missing seq, each repeat, each out of order.
 */
export function deliveryProblems(received: readonly number[], expected: readonly number[]) {
  const seen = new Map<number, number>();
  for (const seq of received) seen.set(seq, (seen.get(seq) ?? 0) + 1);
  const missing = expected.filter((seq) => !seen.has(seq));
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
  const outOfOrder = received.filter((seq, i) => i > 0 && seq <= (received[i - 1] as number));
  return { missing, duplicated, outOfOrder };
}

/** Sessions publishing one message after another, each "<name> #<n>", until stopped. */
export interface PublishLoad {
  /** Every acknowledged publish, with its content. */
  acks: { content: string; ack: Ack }[];
  /** Publishes that failed for good, with the reason (each ends its session's loop). */
  failures: string[];
  /** Stops after each session's current publish; resolves once all have settled. */
  stop(): Promise<void>;
}

export function publishContinuously(sessions: readonly TrackedSession[]): PublishLoad {
  let running = true;
  const acks: PublishLoad["acks"] = [];
  const failures: string[] = [];
  const loops = sessions.map(async ({ session }) => {
    // A session's publishes go out in order, so one loop per session keeps one in flight.
    for (let n = 0; running; n += 1) {
      const content = `${session.info?.name} #${n}`;
      try {
        acks.push({ content, ack: await session.publish(content) });
      } catch (error) {
        failures.push(`${content}: ${(error as Error).message}`);
        return;
      }
    }
  });
  return {
    acks,
    failures,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
