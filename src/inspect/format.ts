import { sanitize } from "../client/render.ts";
import { type ChatEventRecord, toEventJson } from "../protocol/events.ts";

/** One event as `bun run inspect` prints it: `[7] #12 Bo: hej fra Bo`. */
export function inspectLine(event: ChatEventRecord): string {
  const where = `[${event.logicalTime}] #${event.seq}`;
  if (event.kind === "message") {
    return `${where} ${sanitize(event.name)}: ${sanitize(event.content)}`;
  }
  // JOIN and LEAVE carry their sentence.
  return `${where} ${sanitize(event.content)}`;
}

/** One event as a line of JSON (strings are escaped, so control characters are safe). */
export function inspectJson(event: ChatEventRecord): string {
  return JSON.stringify(toEventJson(event));
}
