/** A benchmark's whole-number setting (an environment variable or a flag), or its default when unset. */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!(Number.isInteger(number) && number > 0)) throw new Error(`${name} must be a positive integer, not ${value}`);
  return number;
}
