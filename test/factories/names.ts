let issued = 0;

/**
 * A name no other test in the file uses: `prefix-u<n>`, lowercase and DNS-safe, so it serves as a
 * namespace, a secret or role name and a subject alike.
 */
export function uniqueName(prefix: string): string {
  issued += 1;
  return `${prefix}-u${issued}`;
}
