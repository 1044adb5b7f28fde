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
