/** What the benchmarks share: reading their settings and summarising their samples. */

/** A benchmark's whole-number setting (an environment variable or a flag), or its default when unset. */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!(Number.isInteger(number) && number > 0)) throw new Error(`${name} must be a positive integer, not ${value}`);
  return number;
}

/** The median of the samples (the mean of the middle two when their number is even); NaN for none. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
