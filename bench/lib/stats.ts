/** The q-quantile (0…1) of `values`, nearest rank; sorts a copy. */
export function quantiles(values: readonly number[], qs: readonly number[]): number[] {
  if (values.length === 0) return qs.map(() => Number.NaN);
  const sorted = Float64Array.from(values).sort();
  return qs.map(
    (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number,
  );
}

export function median(values: readonly number[]): number {
  return quantiles(values, [0.5])[0] as number;
}
