import { describe, expect, it } from 'vitest';
import type { EffectiveGrant } from '../grants/policy.service.js';
import type { Verb } from '../common/vocabulary/verbs.js';
import { auditVisibility, globToLike } from './audit-visibility.js';

const grant = (verbs: Verb[], namespace: string, namePattern = '*'): EffectiveGrant => ({
  id: `${namespace}/${namePattern}`,
  subject: 'user:carol',
  role: 'r',
  verbs,
  namespace,
  namePattern,
  notBefore: null,
  expiresAt: null,
  source: null,
  reason: null,
  maxLeaseTtlSeconds: null,
  createdBy: 'user:admin',
  createdAt: new Date(0),
});

describe('auditVisibility', () => {
  it('sees everything with audit:read on * and *', () => {
    expect(auditVisibility([grant(['audit:read'], '*')])).toEqual({ all: true });
  });

  it('keeps the scopes of audit:read grants only', () => {
    expect(
      auditVisibility([
        grant(['audit:read', 'list'], 'team-a'),
        grant(['read'], '*'),
        grant(['audit:read'], '*', 'db-*'),
      ]),
    ).toEqual({
      all: false,
      scopes: [
        { namespace: 'team-a', namePattern: '*' },
        { namespace: '*', namePattern: 'db-*' },
      ],
    });
  });

  it('translates name globs to LIKE patterns', () => {
    expect(globToLike('db-*-v?')).toBe('db-%-v_');
  });
});
