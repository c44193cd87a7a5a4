import { randomUUID } from "node:crypto";
import type { Holder, Leases, ServerRow } from "../store/event-log.ts";
import type { Logger } from "./logger.ts";
import type { Participant, Presence } from "./presence.ts";

/** Where this server can be reached, as its lease advertises it. */
export interface Advertised {
  address: string;
  adminUrl: string | null;
}

export interface LeaseKeeperOptions {
  /** The shared log's leases; none for a log only this server uses. */
  leases: Leases | undefined;
  presence: Presence;
  logger: Logger;
  /** How often the lease is renewed and orphans looked for. */
  renewMs: number;
  /** Hears whether the database answered the last renewal (a shared log only). */
  onReachable?: (reachable: boolean) => void;
}

/**
 * This server's part in a log several servers share: it keeps the lease,
 * takes over participants whose server's lease ran out (their leave grace
 * starts here), and records which participants' streams it holds. With no
 * leases (one server, SQLite) every call is a no-op.
 */
export interface LeaseKeeper {
  /** Takes the lease (and the orphans), then renews it every `renewMs`. */
  start(advertised: Advertised): Promise<void>;
  /** Records that this server holds (or no longer holds) the participant's stream, in call order. */
  hold(p: Participant, streaming: boolean): Promise<void>;
  /** Stops renewing and gives the lease up, so the others take over at once. */
  release(): Promise<void>;
  /** This server's id (its lease's, or one of its own without leases). */
  readonly serverId: string;
  /** The live servers: the leases' view, or this server alone. */
  servers(): Promise<ServerRow[]>;
  /** Who holds each present participant; without leases, this server's open streams. */
  holders(): Promise<Holder[]>;
}

export function createLeaseKeeper({
  leases,
  presence,
  logger,
  renewMs,
  onReachable = () => {},
}: LeaseKeeperOptions): LeaseKeeper {
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const chains = new Map<string, Promise<void>>();
  const serverId = leases?.serverId ?? randomUUID();
  const startedAtMs = Date.now();
  let self: Advertised = { address: "", adminUrl: null };

  async function keep(shared: Leases, advertised: Advertised): Promise<void> {
    try {
      await shared.renew(advertised);
      onReachable(true);
    } catch (error) {
      onReachable(false);
      throw error;
    }
    for (const row of await shared.orphans()) {
      if (stopped) return;
      const p = presence.adopt(row);
      if (!p.graceTimer && !p.cursor) logger.info("orphan", { participant: p.id, name: p.name });
      presence.watch(p);
    }
  }

  return {
    serverId,

    async start(advertised) {
      self = advertised;
      if (!leases) return;
      await keep(leases, advertised);
      let renewing = false;
      timer = setInterval(() => {
        if (renewing || stopped) return;
        renewing = true;
        keep(leases, advertised)
          .catch((error) => logger.warn("lease_failed", { error: String(error) }))
          .finally(() => {
            renewing = false;
          });
      }, renewMs);
      timer.unref();
    },

    hold(p, streaming) {
      if (!leases) return Promise.resolve();
      // A close and a reopen of the same participant's stream must land in order.
      const next = (chains.get(p.id) ?? Promise.resolve())
        .catch(() => {})
        .then(() => leases.hold(p.id, streaming));
      chains.set(p.id, next);
      const forget = () => {
        if (chains.get(p.id) === next) chains.delete(p.id);
      };
      next.then(forget, forget);
      return next;
    },

    async servers() {
      if (leases) return leases.servers();
      const { address, adminUrl } = self;
      return [{ id: serverId, address, adminUrl, startedAtMs, renewedAtMs: Date.now() }];
    },

    async holders() {
      if (leases) return leases.holders();
      return presence
        .list()
        .map((p) => ({ participantId: p.id, serverId, streaming: p.cursor !== undefined }));
    },

    async release() {
      stopped = true;
      clearInterval(timer);
      await leases?.release().catch((error) => {
        logger.warn("lease_release_failed", { error: String(error) });
      });
    },
  };
}
