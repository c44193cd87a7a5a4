import type { EventDraft, EventLog, LogEvent } from "../store/event-log.ts";

/**
 * Group commit: drafts submitted in the same turn of the event loop share one
 * transaction (one fsync), and each promise settles only after that commit.
 */
export interface GroupCommitter {
  submit(draft: EventDraft): Promise<LogEvent>;
  /** Commits whatever is pending now. */
  flush(): void;
}

interface Pending {
  draft: EventDraft;
  resolve: (event: LogEvent) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommitter(log: EventLog): GroupCommitter {
  let batch: Pending[] = [];
  let scheduled: ReturnType<typeof setImmediate> | undefined;

  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const current = batch;
    batch = [];
    if (current.length === 0) return;
    let stored: LogEvent[];
    try {
      stored = log.append(current.map((p) => p.draft));
    } catch (error) {
      for (const p of current) p.reject(error);
      return;
    }
    current.forEach((p, i) => {
      p.resolve(stored[i] as LogEvent);
    });
  };

  return {
    submit(draft) {
      return new Promise<LogEvent>((resolve, reject) => {
        batch.push({ draft, resolve, reject });
        scheduled ??= setImmediate(flush);
      });
    },
    flush,
  };
}
