/** The verbs of SPEC §2, in the order they are documented. */
export const VERBS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  'audit:read',
  'grants:manage',
] as const;

export type Verb = (typeof VERBS)[number];

export function isVerb(value: string): value is Verb {
  return (VERBS as readonly string[]).includes(value);
}

/** Built-in roles, seeded by the initial migration and protected from deletion. */
export const BUILT_IN_ROLES: Readonly<Record<string, readonly Verb[]>> = {
  reader: ['read', 'list'],
  rotator: ['read', 'list', 'rotate', 'rollback'],
  editor: ['read', 'list', 'rotate', 'rollback', 'create', 'update', 'revoke'],
  auditor: ['audit:read', 'list'],
  admin: [...VERBS],
};
