import type { AppendResult, EventDraft, EventLog } from "../store/event-log.ts";

/**
 * Group commit: drafts submitted while the log is busy, or in the same turn of
 * the event loop, share one append (one transaction, one fsync), and each
 * promise settles only after that commit. One append is in flight at a time.
 */
export interface GroupCommitter {
  submit(draft: EventDraft): Promise<AppendResult>;
  /** Commits whatever is pending now; resolves when nothing is pending or in flight. */
  flush(): Promise<void>;
}

interface Pending {
  draft: EventDraft;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommitter(log: EventLog): GroupCommitter {
  let batch: Pending[] = [];
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  let inflight: Promise<void> | undefined;

  const schedule = () => {
    scheduled ??= setImmediate(commit);
  };

  function commit(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (inflight || batch.length === 0) return;
    const current = batch;
    batch = [];
    inflight = log
      .append(current.map((p) => p.draft))
      .then(
        (results) => {
          current.forEach((p, i) => {
            p.resolve(results[i] as AppendResult);
          });
        },
        (error: unknown) => {
          for (const p of current) p.reject(error);
        },
      )
      .finally(() => {
        inflight = undefined;
        // What arrived during the commit goes out next, together.
        if (batch.length > 0) schedule();
      });
  }

  return {
    submit(draft) {
      return new Promise<AppendResult>((resolve, reject) => {
        batch.push({ draft, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (inflight || batch.length > 0) {
        commit();
        await inflight;
      }
    },
  };
}
