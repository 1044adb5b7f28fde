import { describe, expect, it } from 'vitest';
import type { Verb } from '../common/vocabulary/verbs.js';
import { decide, type AccessRequest, type EffectiveGrant } from './decision.js';
import { reservedObjects } from './reserved-objects.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const at = (offsetHours: number) => new Date(NOW.getTime() + offsetHours * HOUR);

function grant(
  id: string,
  verbs: Verb[],
  namespace: string,
  namePattern = '*',
  expiresAt: Date | null = null,
): EffectiveGrant {
  return {
    id,
    subject: 'user:alice',
    role: 'custom',
    verbs,
    namespace,
    namePattern,
    notBefore: null,
    expiresAt,
    source: null,
    reason: null,
    maxLeaseTtlSeconds: null,
    createdBy: 'user:admin',
    createdAt: at(-24),
  };
}

const reader = grant('reader-db', ['read', 'list'], 'team-a', 'db-*');
const rotator = grant('rotator-all', ['rotate'], '*');
const updater = grant('updater-db', ['update'], 'team-a', 'db-main');
const expired = grant('expired', ['read', 'update', 'rotate', 'list'], '*', '*', at(-1));
const manager = grant('manager-a', ['grants:manage', 'read', 'list'], 'team-a', '*', at(2));
const forever = grant('manager-forever', ['grants:manage', 'read'], 'team-a', 'db-*');
const everything = [reader, rotator, updater, expired, manager, forever];
const leaseApps = grant('lease-apps', ['lease'], 'team-a', 'app-*');
const leaseCapped = { ...grant('lease-capped', ['lease'], 'team-a', 'app-*'), maxLeaseTtlSeconds: 600 };
const leaseCappedLonger = { ...grant('lease-longer', ['lease'], 'team-a', 'app-w*'), maxLeaseTtlSeconds: 900 };

const target = (verbs: [Verb, ...Verb[]], namespace: string, name: string): AccessRequest => ({
  kind: 'target',
  verbs,
  target: { namespace, name },
});
const scope = (
  verbs: [Verb, ...Verb[]],
  namespace: string,
  namePattern: string,
  expiresAt?: Date | null,
): AccessRequest => ({
  kind: 'scope',
  verbs,
  scope: { namespace, namePattern },
  ...(expiresAt === undefined ? {} : { lifetime: { expiresAt } }),
});

describe('decide', () => {
  it.each<[string, readonly EffectiveGrant[], AccessRequest, boolean, string, string[]]>([
    ['no grants: deny', [], target(['read'], 'team-a', 'db-main'), false, 'no grant gives read on team-a/db-main', []],
    [
      'every matching grant',
      everything,
      target(['read'], 'team-a', 'db-main'),
      true,
      'allowed by 3 grant(s)',
      ['reader-db', 'manager-a', 'manager-forever'],
    ],
    [
      'the glob does not match',
      [reader],
      target(['read'], 'team-a', 'api-key'),
      false,
      'no grant gives read on team-a/api-key',
      [],
    ],
    [
      'another namespace',
      everything,
      target(['read'], 'team-b', 'db-main'),
      false,
      'no grant gives read on team-b/db-main',
      [],
    ],
    [
      'a wildcard namespace',
      everything,
      target(['rotate'], 'team-z', 'x'),
      true,
      'allowed by 1 grant(s)',
      ['rotator-all'],
    ],
    [
      'an expired grant never matches',
      [expired],
      target(['read'], 'team-a', 'db-main'),
      false,
      'no grant gives read on team-a/db-main',
      [],
    ],
    [
      'every verb needed, each from some grant',
      everything,
      target(['rotate', 'update'], 'team-a', 'db-main'),
      true,
      'allowed by 2 grant(s) (rotate, update)',
      ['rotator-all', 'updater-db'],
    ],
    [
      'the first verb refused decides',
      everything,
      target(['rotate', 'update'], 'team-a', 'db-other'),
      false,
      'no grant gives update on team-a/db-other',
      [],
    ],
    [
      'namespace listing',
      everything,
      { kind: 'namespace', verb: 'list', namespace: 'team-a' },
      true,
      'allowed by 2 grant(s)',
      ['reader-db', 'manager-a'],
    ],
    [
      'namespace listing elsewhere',
      everything,
      { kind: 'namespace', verb: 'list', namespace: 'team-b' },
      false,
      'no grant gives list in namespace team-b',
      [],
    ],
    [
      'anywhere',
      everything,
      { kind: 'anywhere', verb: 'grants:manage' },
      true,
      'allowed by 2 grant(s)',
      ['manager-a', 'manager-forever'],
    ],
    [
      'anywhere, not held',
      everything,
      { kind: 'anywhere', verb: 'audit:read' },
      false,
      'no grant gives audit:read',
      [],
    ],
    [
      'covering a scope',
      everything,
      scope(['grants:manage', 'read'], 'team-a', 'db-*'),
      true,
      'holds grants:manage, read over namespace team-a, names db-*',
      ['manager-a', 'manager-forever', 'reader-db'],
    ],
    [
      'a narrower grant does not cover a wider scope',
      [forever],
      scope(['grants:manage'], 'team-a', '*'),
      false,
      'you do not hold grants:manage over namespace team-a, names *',
      [],
    ],
    [
      'a namespace grant does not cover every namespace',
      [manager],
      scope(['grants:manage'], '*', '*'),
      false,
      'you do not hold grants:manage over namespace *, names *',
      [],
    ],
    [
      'names every missing verb',
      [manager],
      scope(['grants:manage', 'rotate', 'revoke'], 'team-a', '*'),
      false,
      'you do not hold rotate, revoke over namespace team-a, names *',
      [],
    ],
  ])('%s', (_label, grants, request, allowed, reason, matched) => {
    const decision = decide(grants, request, { managedNamespaces: undefined, now: NOW });
    expect(decision.allowed).toBe(allowed);
    expect(decision.reason).toBe(reason);
    expect(decision.matchedGrants.map((matchedGrant) => matchedGrant.id).sort()).toEqual([...matched].sort());
  });

  it.each<[string, readonly EffectiveGrant[], Date | null, boolean, string | undefined]>([
    ['a grant without expiry from a granter whose grant expires', [manager], null, false, at(2).toISOString()],
    ['a grant outliving the granter', [manager], at(3), false, at(2).toISOString()],
    ['a grant ending before the granter', [manager], at(1), true, undefined],
    ['a granter whose grant never expires', [forever], null, true, undefined],
    [
      'the latest covering grant sets the limit',
      [manager, grant('later', ['grants:manage', 'read'], '*', '*', at(5))],
      at(4),
      true,
      undefined,
    ],
  ])('lifetime: %s', (_label, grants, expiresAt, allowed, limit) => {
    const decision = decide(grants, scope(['grants:manage', 'read'], 'team-a', 'db-*', expiresAt), {
      managedNamespaces: undefined,
      now: NOW,
    });
    expect(decision.allowed).toBe(allowed);
    expect(decision.details?.maxExpiresAt).toBe(limit);
  });

  it('refuses namespaces the broker does not manage, whatever the grants', () => {
    const context = { managedNamespaces: ['team-b'], now: NOW };
    expect(decide(everything, target(['read'], 'team-a', 'db-main'), context)).toMatchObject({
      allowed: false,
      reason: 'namespace team-a is not managed by the broker',
    });
    expect(decide(everything, { kind: 'namespace', verb: 'list', namespace: 'team-a' }, context).allowed).toBe(false);
    expect(decide([rotator], target(['rotate'], 'team-b', 'x'), context).allowed).toBe(true);
  });

  it('says which verb the decision turned on', () => {
    const context = { managedNamespaces: undefined, now: NOW };
    expect(decide(everything, target(['rotate', 'update', 'read'], 'team-a', 'db-x'), context).verb).toBe('update');
    expect(decide(everything, target(['rotate'], 'team-a', 'db-x'), context).verb).toBe('rotate');
  });

  it.each<[string, readonly EffectiveGrant[], number | undefined, boolean, string]>([
    ['no cap', [leaseApps], 86_400, true, 'allowed by 1 grant(s)'],
    ['within the cap', [leaseCapped], 300, true, 'allowed by 1 grant(s)'],
    ['exactly the cap', [leaseCapped], 600, true, 'allowed by 1 grant(s)'],
    ['above the cap', [leaseCapped], 601, false, 'ttlSeconds 601 exceeds the 600s your grants allow on team-a/app-web'],
    ['the largest cap of the matching grants', [leaseCapped, leaseCappedLonger], 900, true, 'allowed by 1 grant(s)'],
    ['no ttl asked (listing): the cap does not apply', [leaseCapped], undefined, true, 'allowed by 1 grant(s)'],
  ])('lease ttl caps: %s', (_label, grants, leaseTtlSeconds, allowed, reason) => {
    const decision = decide(
      grants,
      { kind: 'target', verbs: ['lease'], target: { namespace: 'team-a', name: 'app-web' }, leaseTtlSeconds },
      { managedNamespaces: undefined, now: NOW },
    );
    expect(decision).toMatchObject({ allowed, reason, verb: 'lease' });
  });

  it('refuses a lease outside the name pattern as having no grant, whatever the cap', () => {
    const decision = decide(
      [leaseApps],
      { kind: 'target', verbs: ['lease'], target: { namespace: 'team-a', name: 'admin' }, leaseTtlSeconds: 60 },
      { managedNamespaces: undefined, now: NOW },
    );
    expect(decision).toMatchObject({ allowed: false, reason: 'no grant gives lease on team-a/admin' });
  });

  it.each<[string, number | null, number | null, boolean]>([
    ['an uncapped granter may grant without a cap', null, null, true],
    ['a capped granter may not grant without a cap', 600, null, false],
    ['a capped granter may grant its own cap', 600, 600, true],
    ['a capped granter may grant less', 600, 60, true],
    ['a capped granter may not grant more', 600, 601, false],
  ])('the escalation rule covers lease caps: %s', (_label, held, asked, allowed) => {
    const granter = { ...grant('leaser', ['grants:manage', 'lease'], 'team-a'), maxLeaseTtlSeconds: held };
    const decision = decide(
      [granter],
      {
        kind: 'scope',
        verbs: ['grants:manage', 'lease'],
        scope: { namespace: 'team-a', namePattern: 'app-*' },
        leaseCap: { maxLeaseTtlSeconds: asked },
      },
      { managedNamespaces: undefined, now: NOW },
    );
    expect(decision.allowed).toBe(allowed);
    if (!allowed) expect(decision.details).toEqual({ maxLeaseTtlSeconds: held });
  });

  it.each<[string, EffectiveGrant[], EffectiveGrant[], boolean]>([
    ['an account with no grants', [leaseApps], [], true],
    [
      'an account whose grant the leaser covers',
      [leaseApps, reader],
      [grant('sa', ['read'], 'team-a', 'db-main')],
      true,
    ],
    [
      'an account holding a verb the leaser lacks',
      [leaseApps, reader],
      [grant('sa', ['update'], 'team-a', 'db-*')],
      false,
    ],
    ['an account holding a wider scope', [leaseApps, reader], [grant('sa', ['read'], 'team-a', '*')], false],
    ['an account that may lease longer', [leaseCapped], [{ ...leaseApps, id: 'sa' }], false],
  ])('a lease acts as the account: %s', (_label, grants, held, allowed) => {
    const decision = decide(
      grants,
      { kind: 'target', verbs: ['lease'], target: { namespace: 'team-a', name: 'app-web' }, actingAs: held },
      { managedNamespaces: undefined, now: NOW },
    );
    expect(decision.allowed).toBe(allowed);
    if (!allowed) expect(decision.details).toEqual({ uncoveredGrant: 'sa' });
  });

  it.each<[string, string, string, boolean]>([
    ['its ServiceAccount', 'broker-home', 'broker', false],
    ['its configuration Secret', 'broker-home', 'broker-config', false],
    ['a lease owner anywhere', 'team-a', 'broker-lease-00000000-0000-4000-8000-000000000000', false],
    ['a like-named object elsewhere', 'team-a', 'broker-config', true],
    ['a name that only starts like a lease owner', 'team-a', 'broker-lease-mine', true],
  ])("refuses the broker's own objects whatever the grants: %s", (_label, namespace, name, allowed) => {
    const reserved = reservedObjects([
      { namespace: 'broker-home', name: 'broker' },
      { namespace: 'broker-home', name: 'broker-config' },
    ]);
    const admin = grant('admin', ['read', 'update', 'lease'], '*');
    const decision = decide([admin], target(['read'], namespace, name), {
      managedNamespaces: undefined,
      reserved,
      now: NOW,
    });
    expect(decision.allowed).toBe(allowed);
  });
});
