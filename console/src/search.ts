/** Reads one optional text parameter of a URL's search (TanStack Router's validateSearch). */
export function text(search: Record<string, unknown>, key: string): string | undefined {
  const value = search[key];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads one parameter that must be one of `allowed`. */
export function oneOf<T extends string>(
  search: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const value = search[key];
  return allowed.find((candidate) => candidate === value);
}
