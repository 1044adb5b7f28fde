import { describe, expect, it } from 'vitest';
import {
  ACCESS_REVIEW,
  CREATE_GRANT,
  CREATE_ROLE,
  DELETE_GRANT,
  DELETE_ROLE,
  gql,
  GRANTS,
  graphql,
  ROLES,
  SECRETS,
  uniqueName,
  WHOAMI,
} from '../factories/index.js';
import { ADMIN } from '../support/broker.js';
import { useBroker } from '../support/use-broker.js';

describe('grants over GraphQL', () => {
  const broker = useBroker();

  it('answers whoami', async () => {
    const result = await graphql(broker, 'admin', WHOAMI);
    expect(result.errors).toBeUndefined();
    expect(result.data?.whoami).toEqual({
      subject: ADMIN,
      subjects: [ADMIN],
      grants: [{ role: 'admin', namespace: '*', namePattern: '*' }],
    });
  });

  it('creates a grant and reviews access with the same outcomes as REST', async () => {
    const alice = uniqueName('alice');
    const created = await graphql(broker, 'admin', CREATE_GRANT, {
      input: { subject: `user:${alice}`, role: 'reader', namespace: 'team-a', namePattern: 'db-*' },
    });
    expect(created.errors).toBeUndefined();
    const grant = created.data?.createGrant;
    expect(grant).toMatchObject({
      subject: `user:${alice}`,
      role: 'reader',
      verbs: ['read', 'list'],
      createdBy: ADMIN,
    });

    const review = async (namespace: string, name: string) =>
      (await graphql(broker, alice, ACCESS_REVIEW, { input: { verb: 'read', namespace, name } })).data?.accessReview;
    expect(await review('team-a', 'db-main')).toMatchObject({ allowed: true, matchedGrants: [{ id: grant?.id }] });
    expect((await review('team-b', 'db-main'))?.allowed).toBe(false);
    expect((await review('team-a', 'api-key'))?.allowed).toBe(false);

    const rest = await broker
      .as(alice)
      .post('/v1/access-reviews')
      .send({ verb: 'read', namespace: 'team-a', name: 'db-main' })
      .expect(200);
    expect(rest.body.allowed).toBe(true);
  });

  it('answers FORBIDDEN with a request id when alice creates a grant', async () => {
    const result = await graphql(broker, 'alice', CREATE_GRANT, {
      input: { subject: 'user:bob', role: 'reader', namespace: 'team-a' },
    });
    expect(result.data).toBeNull();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(result.errors?.[0].extensions.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers BAD_USER_INPUT for invalid input and changes nothing', async () => {
    const result = await graphql(broker, 'admin', CREATE_GRANT, {
      input: { subject: 'nobody', role: 'reader', namespace: 'team-a' },
    });
    expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toContain('subject');
    const grants = await graphql(broker, 'admin', GRANTS, { subject: 'nobody' });
    expect(grants.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const all = await graphql(broker, 'admin', GRANTS);
    expect(all.data?.grants.map((item) => item.subject)).not.toContain('nobody');
  });

  it('answers UNAUTHENTICATED without a valid token', async () => {
    const response = await broker.http().post('/graphql').send({ query: WHOAMI.query }).expect(200);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(response.body.errors[0].extensions.requestId).toBe(response.headers['x-request-id']);
  });

  it('deletes grants and manages roles', async () => {
    const created = await graphql(broker, 'admin', CREATE_GRANT, {
      input: { subject: 'user:zed', role: 'reader', namespace: 'team-z' },
    });
    const id = created.data?.createGrant.id ?? '';
    const deleted = await graphql(broker, 'admin', DELETE_GRANT, { id });
    expect(deleted.data?.deleteGrant).toEqual({ id });
    const missing = await graphql(broker, 'admin', DELETE_GRANT, { id });
    expect(missing.errors?.[0].extensions.code).toBe('NOT_FOUND');

    const role = await graphql(broker, 'admin', CREATE_ROLE, { input: { name: 'viewer', verbs: ['list'] } });
    expect(role.data?.createRole).toEqual({ name: 'viewer', verbs: ['list'], builtIn: false });
    const roles = await graphql(broker, 'admin', ROLES);
    expect(roles.data?.roles.map((item) => item.name)).toContain('viewer');
    const conflict = await graphql(broker, 'admin', DELETE_ROLE, { name: 'admin' });
    expect(conflict.errors?.[0].extensions.code).toBe('CONFLICT');
    expect((await graphql(broker, 'admin', DELETE_ROLE, { name: 'viewer' })).data?.deleteRole).toEqual({
      name: 'viewer',
    });
  });

  it('limits query cost and aliases, and blocks CSRF-style simple requests', async () => {
    // 500 secrets × (consumers and versions, each a cluster or database call per item).
    const costly = await graphql(
      broker,
      'admin',
      gql('{ secrets(namespace: "team-a", first: 500) { items { name consumers { name } versions { version } } } }'),
    );
    expect(costly.errors?.[0].message).toMatch(/cost .* exceeds/);
    expect(costly.data).toBeUndefined();
    // Sent again, the same text (one parsed document, its cost remembered) is refused again.
    const again = await graphql(
      broker,
      'admin',
      gql('{ secrets(namespace: "team-a", first: 500) { items { name consumers { name } versions { version } } } }'),
    );
    expect(again.errors?.[0].message).toMatch(/cost .* exceeds/);
    // With variables the cost follows them, whatever was estimated for the same document before.
    const paged = gql<unknown, { first: number }>(
      'query($first: Int) { secrets(namespace: "team-a", first: $first) { items { name consumers { name } versions { version } } } }',
    );
    expect((await graphql(broker, 'admin', paged, { first: 1 })).errors?.[0]?.message ?? '').not.toMatch(/cost/);
    expect((await graphql(broker, 'admin', paged, { first: 500 })).errors?.[0].message).toMatch(/cost .* exceeds/);
    const aliases = Array.from({ length: 3000 }, (_, i) => `w${i}: whoami { subject }`).join(' ');
    const aliased = await graphql(broker, 'admin', gql(`{ ${aliases} }`));
    expect(aliased.status).toBe(400);
    expect(aliased.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Aliases limit of 15 exceeded/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const affordable = await graphql(broker, 'admin', SECRETS, { namespace: 'default' });
    expect(affordable.errors).toBeUndefined();
    const csrf = await broker.http().get('/graphql').query({ query: WHOAMI.query });
    expect(csrf.status).toBe(400);
  });
});
