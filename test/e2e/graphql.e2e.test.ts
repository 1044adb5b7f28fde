import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startBroker, type TestBroker } from '../support/broker.js';

describe('grants over GraphQL', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  const CREATE_GRANT = `mutation ($input: CreateGrantInput!) { createGrant(input: $input) { id subject role namespace namePattern verbs createdBy } }`;
  const ACCESS_REVIEW = `query ($input: AccessReviewInput!) { accessReview(input: $input) { allowed reason matchedGrants { id } } }`;

  it('answers whoami', async () => {
    const result = await broker.graphql(
      'admin',
      '{ whoami { subject subjects grants { role namespace namePattern } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.whoami).toEqual({
      subject: ADMIN,
      subjects: [ADMIN],
      grants: [{ role: 'admin', namespace: '*', namePattern: '*' }],
    });
  });

  it('creates a grant and reviews access with the same outcomes as REST', async () => {
    const created = await broker.graphql('admin', CREATE_GRANT, {
      input: { subject: 'user:alice', role: 'reader', namespace: 'team-a', namePattern: 'db-*' },
    });
    expect(created.errors).toBeUndefined();
    const grant = created.data?.createGrant as { id: string };
    expect(grant).toMatchObject({ subject: 'user:alice', role: 'reader', verbs: ['read', 'list'], createdBy: ADMIN });

    const review = async (namespace: string, name: string) =>
      (await broker.graphql('alice', ACCESS_REVIEW, { input: { verb: 'read', namespace, name } })).data
        ?.accessReview as { allowed: boolean; matchedGrants: { id: string }[] };
    expect(await review('team-a', 'db-main')).toMatchObject({ allowed: true, matchedGrants: [{ id: grant.id }] });
    expect((await review('team-b', 'db-main')).allowed).toBe(false);
    expect((await review('team-a', 'api-key')).allowed).toBe(false);

    const rest = await broker
      .as('alice')
      .post('/v1/access-reviews')
      .send({ verb: 'read', namespace: 'team-a', name: 'db-main' })
      .expect(200);
    expect(rest.body.allowed).toBe(true);
  });

  it('answers FORBIDDEN with a request id when alice creates a grant', async () => {
    const result = await broker.graphql('alice', CREATE_GRANT, {
      input: { subject: 'user:bob', role: 'reader', namespace: 'team-a' },
    });
    expect(result.data).toBeNull();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(result.errors?.[0].extensions.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers BAD_USER_INPUT for invalid input and changes nothing', async () => {
    const result = await broker.graphql('admin', CREATE_GRANT, {
      input: { subject: 'nobody', role: 'reader', namespace: 'team-a' },
    });
    expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].message).toContain('subject');
    const grants = await broker.graphql('admin', '{ grants(subject: "nobody") { id } }');
    expect(grants.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const all = await broker.graphql('admin', '{ grants { subject } }');
    expect((all.data?.grants as { subject: string }[]).map((item) => item.subject)).not.toContain('nobody');
  });

  it('answers UNAUTHENTICATED without a valid token', async () => {
    const response = await broker.http().post('/graphql').send({ query: '{ whoami { subject } }' }).expect(200);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(response.body.errors[0].extensions.requestId).toBe(response.headers['x-request-id']);
  });

  it('deletes grants and manages roles', async () => {
    const created = await broker.graphql('admin', CREATE_GRANT, {
      input: { subject: 'user:zed', role: 'reader', namespace: 'team-z' },
    });
    const id = (created.data?.createGrant as { id: string }).id;
    const deleted = await broker.graphql('admin', 'mutation ($id: ID!) { deleteGrant(id: $id) { id } }', { id });
    expect(deleted.data?.deleteGrant).toEqual({ id });
    const missing = await broker.graphql('admin', 'mutation ($id: ID!) { deleteGrant(id: $id) { id } }', { id });
    expect(missing.errors?.[0].extensions.code).toBe('NOT_FOUND');

    const role = await broker.graphql(
      'admin',
      'mutation { createRole(input: { name: "viewer", verbs: ["list"] }) { name verbs builtIn } }',
    );
    expect(role.data?.createRole).toEqual({ name: 'viewer', verbs: ['list'], builtIn: false });
    const roles = await broker.graphql('admin', '{ roles { name } }');
    expect((roles.data?.roles as { name: string }[]).map((item) => item.name)).toContain('viewer');
    const conflict = await broker.graphql('admin', 'mutation { deleteRole(name: "admin") { name } }');
    expect(conflict.errors?.[0].extensions.code).toBe('CONFLICT');
    expect(
      (await broker.graphql('admin', 'mutation { deleteRole(name: "viewer") { name } }')).data?.deleteRole,
    ).toEqual({ name: 'viewer' });
  });

  it('limits query cost and aliases, and blocks CSRF-style simple requests', async () => {
    // 500 secrets × (consumers and versions, each a cluster or database call per item).
    const costly = await broker.graphql(
      'admin',
      '{ secrets(namespace: "team-a", first: 500) { items { name consumers { name } versions { version } } } }',
    );
    expect(costly.errors?.[0].message).toMatch(/cost .* exceeds/);
    expect(costly.data).toBeUndefined();
    const aliases = Array.from({ length: 3000 }, (_, i) => `w${i}: whoami { subject }`).join(' ');
    const aliased = await broker.graphql('admin', `{ ${aliases} }`);
    expect(aliased.status).toBe(400);
    expect(aliased.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Aliases limit of 15 exceeded/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const affordable = await broker.graphql(
      'admin',
      '{ secrets(namespace: "default") { items { name keys labels state currentVersion } continue } }',
    );
    expect(affordable.errors).toBeUndefined();
    const csrf = await broker.http().get('/graphql').query({ query: '{ whoami { subject } }' });
    expect(csrf.status).toBe(400);
  });
});
