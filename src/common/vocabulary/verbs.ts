/** The verbs, in the order the docs list them. */
export const VERBS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  // Short-lived ServiceAccount tokens (leases) on ServiceAccount names.
  'lease',
  // Reviewing other subjects' access requests over a scope.
  'approve',
  'audit:read',
  'grants:manage',
  'webhooks:manage',
] as const;

export type Verb = (typeof VERBS)[number];
