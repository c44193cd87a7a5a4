// Several servers sharing one log, seen by the session as one: calls go to the
// server in use; a call or stream that meets UNAVAILABLE (the server is down or
// unreachable) moves the session to the next one. The session itself does the
// rest as after any broken stream: it resumes from its last logical time with
// the same token and log id, and retries a publish with the same message id.
import { CallFailure, Status } from "./call-status.ts";
import type { ChatTransport } from "./transport.ts";

/** Statuses that say "this server, not the request": try the next server. */
function serverGone(error: unknown): boolean {
  return (
    error instanceof CallFailure &&
    (error.code === Status.UNAVAILABLE || error.code === Status.DEADLINE_EXCEEDED)
  );
}

export interface FailoverOptions {
  /** Called when the session moves from one server to another (for the user's notes). */
  onSwitch?: (from: number, to: number, why: string) => void;
}

/**
 * One transport over `servers` (in order of preference): connect() takes the
 * first that answers; every later call goes to the server in use until it
 * fails UNAVAILABLE, then to the next one, round the list.
 */
export function createFailoverTransport(
  servers: readonly ChatTransport[],
  { onSwitch = () => {} }: FailoverOptions = {},
): ChatTransport {
  if (servers.length === 0) throw new Error("createFailoverTransport needs at least one server");
  let current = 0;
  const at = (i: number) => servers[i] as ChatTransport;

  /** The server at `i` failed: move on, unless the session already did. */
  const leave = (i: number, why: string) => {
    if (i !== current || servers.length === 1) return;
    current = (i + 1) % servers.length;
    onSwitch(i, current, why);
  };

  /** A call on the server in use; UNAVAILABLE moves on (the caller retries as it would). */
  const call = async <T>(run: (t: ChatTransport) => Promise<T>): Promise<T> => {
    const i = current;
    try {
      return await run(at(i));
    } catch (error) {
      if (serverGone(error)) leave(i, (error as CallFailure).details);
      throw error;
    }
  };

  return {
    async connect() {
      // Every server at once: the first that answers is the one in use.
      const attempts = servers.map((t, i) => t.connect().then(() => i));
      try {
        current = await Promise.any(attempts);
      } catch (error) {
        const reasons = (error as AggregateError).errors;
        throw reasons.length === 1 ? reasons[0] : (reasons.at(current) ?? error);
      }
    },

    async join(request) {
      // A join that cannot reach a server is tried on each in turn: it stored nothing.
      for (let tried = 0; ; tried += 1) {
        try {
          return await call((t) => t.join(request));
        } catch (error) {
          if (!serverGone(error) || tried + 1 >= servers.length) throw error;
        }
      }
    },

    publish: (request, token) => call((t) => t.publish(request, token)),
    leave: (request, token) => call((t) => t.leave(request, token)),
    listParticipants: (request, token) =>
      call((t) => {
        if (!t.listParticipants) throw new CallFailure(Status.UNIMPLEMENTED, "not supported");
        return t.listParticipants(request, token);
      }),
    history: (request, token) =>
      call((t) => {
        if (!t.history) throw new CallFailure(Status.UNIMPLEMENTED, "not supported");
        return t.history(request, token);
      }),

    subscribe(request, token, handlers) {
      const i = current;
      return at(i).subscribe(request, token, {
        ...handlers,
        end(code, details) {
          if (code === Status.UNAVAILABLE) leave(i, details);
          handlers.end(code, details);
        },
      });
    },

    close() {
      for (const t of servers) t.close();
    },
  };
}
