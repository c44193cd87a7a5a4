// The server's own view of a run, from its /metrics: what happened inside the
// process, apart from the network and the subscribers' side.
import { scrape } from "../../test/support/http.ts";

export type Scrape = Map<string, number>;

/** /metrics of a ChitChat server, or undefined for one without an admin API (the bare server). */
export async function scrapeServer(adminUrl: string | undefined): Promise<Scrape | undefined> {
  return adminUrl === undefined ? undefined : scrape(adminUrl);
}

/**
 * The upper bound (bucket `le`, in the histogram's unit) below which `q` of the
 * observations made between two scrapes fall; Infinity past the last bucket.
 */
export function histogramQuantile(
  name: string,
  before: Scrape,
  after: Scrape,
  q: number,
): number | undefined {
  const buckets: [number, number][] = [];
  for (const [key, value] of after) {
    const m = key.match(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`));
    if (!m) continue;
    const le = m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]);
    buckets.push([le, value - (before.get(key) ?? 0)]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  return buckets.find(([, count]) => count >= q * total)?.[0];
}
