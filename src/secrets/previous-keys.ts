/**
 * Two-phase rotation keeps each rotated key's previous value in the same Secret under
 * `<key>.previous` until the grace period ends. These keys are not part of any version.
 */
export const PREVIOUS_SUFFIX = '.previous';

export function previousKeyOf(key: string): string {
  return `${key}${PREVIOUS_SUFFIX}`;
}

/** `values` with each of `previous` added under its `.previous` key. */
export function withPreviousKeys(
  values: Readonly<Record<string, Buffer>>,
  previous: Readonly<Record<string, Buffer>>,
): Record<string, Buffer> {
  return {
    ...values,
    ...Object.fromEntries(Object.entries(previous).map(([key, value]) => [previousKeyOf(key), value])),
  };
}

/**
 * `data` without the `.previous` companions of its keys. A key is only taken for a companion when
 * its base key is present and is not itself listed in `versionKeys` (the keys a version holds), so
 * a secret whose own data has a key ending in `.previous` keeps it.
 */
export function withoutPreviousKeys(
  data: Readonly<Record<string, Buffer>>,
  versionKeys?: ReadonlySet<string>,
): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(data).filter(([key]) => !isPreviousCompanion(key, data, versionKeys)));
}

function isPreviousCompanion(
  key: string,
  data: Readonly<Record<string, Buffer>>,
  versionKeys: ReadonlySet<string> | undefined,
): boolean {
  if (!key.endsWith(PREVIOUS_SUFFIX) || versionKeys?.has(key)) return false;
  const base = key.slice(0, -PREVIOUS_SUFFIX.length);
  return Object.hasOwn(data, base) && (versionKeys === undefined || versionKeys.has(base));
}
