/**
 * Grant scopes: a namespace (exact or `*`) and a secret-name glob where `*` matches any run of
 * characters and `?` exactly one. Pure functions, so the escalation rule can be unit tested.
 */
export interface Scope {
  readonly namespace: string;
  readonly namePattern: string;
}

export const ANY = '*';
export const NAME_PATTERN = /^[a-z0-9.*?-]{1,253}$/;
export const NAMESPACE_SCOPE = /^(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/;

/** Does the glob `pattern` match the concrete `name`? */
export function globMatches(pattern: string, name: string): boolean {
  return subsumes(pattern, name, false);
}

/** Is every name matched by `inner` also matched by `outer`? (Sound; conservative on odd globs.) */
export function globCovers(outer: string, inner: string): boolean {
  return subsumes(outer, inner, true);
}

export function scopeMatches(scope: Scope, namespace: string, name: string): boolean {
  return (scope.namespace === ANY || scope.namespace === namespace) && globMatches(scope.namePattern, name);
}

/** Does `outer` include the whole of `inner`? A wildcard namespace is covered only by a wildcard. */
export function scopeCovers(outer: Scope, inner: Scope): boolean {
  const namespaceCovered = outer.namespace === ANY || outer.namespace === inner.namespace;
  return namespaceCovered && globCovers(outer.namePattern, inner.namePattern);
}

/**
 * Dynamic programming over (outer position, inner position). With `innerIsPattern`, the inner
 * string's `*` and `?` are wildcards: an outer `*` absorbs anything, an outer `?` absorbs one
 * literal or `?`, and an outer literal matches only the same literal.
 */
function subsumes(outer: string, inner: string, innerIsPattern: boolean): boolean {
  const rows = outer.length + 1;
  const cols = inner.length + 1;
  const reachable: boolean[] = new Array<boolean>(rows * cols).fill(false);
  const at = (i: number, j: number) => i * cols + j;
  reachable[at(0, 0)] = true;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (!reachable[at(i, j)]) continue;
      if (i === outer.length) continue;
      const token = outer[i];
      if (token === '*') {
        reachable[at(i + 1, j)] = true;
        if (j < inner.length) reachable[at(i, j + 1)] = true;
        continue;
      }
      if (j === inner.length) continue;
      const other = inner[j];
      const otherIsStar = innerIsPattern && other === '*';
      const otherIsAnyOne = innerIsPattern && other === '?';
      const matches = token === '?' ? !otherIsStar : !otherIsStar && !otherIsAnyOne && token === other;
      if (matches) reachable[at(i + 1, j + 1)] = true;
    }
  }
  return reachable[at(outer.length, inner.length)];
}
