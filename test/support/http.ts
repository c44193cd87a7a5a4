// Real HTTP against a served admin API.

/** GETs `base + path` and returns the status and the parsed JSON body. */
export async function getJson<T = unknown>(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path, { headers });
  if (!response.headers.get("content-type")?.startsWith("application/json")) {
    throw new Error(
      `${path} answered ${response.status} with ${response.headers.get("content-type")}`,
    );
  }
  return { status: response.status, body: (await response.json()) as T };
}

/** Scrapes /metrics into `series → value`, e.g. `chitchat_events_appended_total{kind="join"}`. */
export async function scrape(
  base: string,
  headers: Record<string, string> = {},
): Promise<Map<string, number>> {
  const response = await fetch(`${base}/metrics`, { headers });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}
