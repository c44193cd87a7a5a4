/**
 * The name a joining participant gets: the one asked for, or with the first
 * free suffix (`Bo#2`, `Bo#3`, …) when a present participant already has it,
 * compared without regard to case.
 */
export function effectiveName(name: string, present: Iterable<string>): string {
  const taken = new Set<string>();
  for (const other of present) taken.add(other.toLowerCase());
  if (!taken.has(name.toLowerCase())) return name;
  for (let n = 2; ; n += 1) {
    const candidate = `${name}#${n}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}
