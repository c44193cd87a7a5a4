/** What two names are compared by: present participants' names are unique under it. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * The name a joining participant gets: the one asked for, or with the first
 * free suffix (`Bo#2`, `Bo#3`, …) when a present participant already has it,
 * compared without regard to case. `taken` holds the present names' keys.
 */
export function effectiveName(name: string, taken: { has(key: string): boolean }): string {
  if (!taken.has(nameKey(name))) return name;
  for (let n = 2; ; n += 1) {
    const candidate = `${name}#${n}`;
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}
