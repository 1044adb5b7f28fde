/** The verbs, in the order the docs list them. */
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
