import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { GrantEntity } from '../../src/grants/entities/grant.entity.js';
import { createRole, grantRole, uniqueName } from '../factories/index.js';
import { ADMIN } from '../support/broker.js';
import { useBroker } from '../support/use-broker.js';

describe('grants, roles, access reviews and whoami over REST', () => {
  const broker = useBroker();

  const grant = (as: string, body: Record<string, unknown>) => broker.as(as).post('/v1/grants').send(body);
  const review = (as: string, body: Record<string, unknown>) => broker.as(as).post('/v1/access-reviews').send(body);

  it('bootstraps the admin with admin on everything, once', async () => {
    const response = await broker.as('admin').get('/v1/whoami').expect(200);
    expect(response.body.subject).toBe(ADMIN);
    expect(response.body.grants).toHaveLength(1);
    expect(response.body.grants[0]).toMatchObject({
      role: 'admin',
      namespace: '*',
      namePattern: '*',
      createdBy: 'system:bootstrap',
    });
  });

  it('lets an admin grant alice reader on team-a db-* and answers reviews accordingly', async () => {
    const alice = uniqueName('alice');
    const created = await grant('admin', {
      subject: `user:${alice}`,
      role: 'reader',
      namespace: 'team-a',
      namePattern: 'db-*',
      reason: 'on-call',
    }).expect(201);
    expect(created.body).toMatchObject({
      subject: `user:${alice}`,
      role: 'reader',
      verbs: ['read', 'list'],
      createdBy: ADMIN,
      reason: 'on-call',
    });

    const allowed = await review(alice, { verb: 'read', namespace: 'team-a', name: 'db-main' }).expect(200);
    expect(allowed.body.allowed).toBe(true);
    expect(allowed.body.matchedGrants.map((matched: { id: string }) => matched.id)).toEqual([created.body.id]);
    expect((await review(alice, { verb: 'read', namespace: 'team-b', name: 'db-main' }).expect(200)).body.allowed).toBe(
      false,
    );
    expect((await review(alice, { verb: 'read', namespace: 'team-a', name: 'api-key' }).expect(200)).body.allowed).toBe(
      false,
    );
    expect(
      (await review(alice, { verb: 'rotate', namespace: 'team-a', name: 'db-main' }).expect(200)).body.allowed,
    ).toBe(false);

    const denied = await grant(alice, { subject: 'user:bob', role: 'reader', namespace: 'team-a' }).expect(403);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect(denied.body).toMatchObject({ status: 403, title: 'Forbidden' });
    await broker.as(alice).get('/v1/grants').expect(403);
  });

  it('answers reviews of another subject only to grant managers', async () => {
    const alice = uniqueName('alice');
    await grantRole(broker, { subject: `user:${alice}`, role: 'reader', namespace: 'team-a', namePattern: 'db-*' });
    const asAdmin = await review('admin', {
      subject: `user:${alice}`,
      verb: 'read',
      namespace: 'team-a',
      name: 'db-main',
    }).expect(200);
    expect(asAdmin.body.allowed).toBe(true);
    await review(alice, { subject: 'user:admin', verb: 'read', namespace: 'team-a', name: 'db-main' }).expect(403);
  });

  it('grants through groups', async () => {
    const sre = uniqueName('sre');
    await grantRole(broker, { subject: `group:${sre}`, role: 'rotator', namespace: '*' });
    const response = await broker
      .as('dave', [sre])
      .post('/v1/access-reviews')
      .send({ verb: 'rotate', namespace: 'team-z', name: 'x' })
      .expect(200);
    expect(response.body.allowed).toBe(true);
    expect(response.body.matchedGrants[0].subject).toBe(`group:${sre}`);
  });

  describe('escalation prevention', () => {
    // Shared and only read: the managers' role, and tm managing team-a.
    beforeAll(async () => {
      await createRole(broker, { name: 'grant-manager', verbs: ['grants:manage', 'read', 'list'] });
      await grantRole(broker, { subject: 'user:tm', role: 'grant-manager', namespace: 'team-a' });
    });

    it('lets a team-a manager grant within team-a what it holds', async () => {
      await grant('tm', { subject: 'user:erin', role: 'reader', namespace: 'team-a', namePattern: 'db-*' }).expect(201);
    });

    it('refuses a team-a manager granting on team-b or on every namespace', async () => {
      const response = await grant('tm', { subject: 'user:erin', role: 'reader', namespace: 'team-b' }).expect(403);
      expect(response.body.detail).toContain('grants:manage');
      await grant('tm', { subject: 'user:erin', role: 'reader', namespace: '*' }).expect(403);
    });

    it('limits a name-pattern manager to grants inside its pattern', async () => {
      await grantRole(broker, { subject: 'user:pm', role: 'grant-manager', namespace: 'team-a', namePattern: 'app-*' });
      const db = await grantRole(broker, {
        subject: 'user:ivy',
        role: 'reader',
        namespace: 'team-a',
        namePattern: 'db-*',
      });
      const listed = await broker.as('pm').get('/v1/grants').expect(200);
      expect(listed.body.every((item: { namePattern: string }) => item.namePattern.startsWith('app-'))).toBe(true);
      await broker.as('pm').delete(`/v1/grants/${db.id}`).expect(404);
      await grant('pm', { subject: 'user:ivy', role: 'reader', namespace: 'team-a', namePattern: 'app-web' }).expect(
        201,
      );
    });

    it('refuses a visible grant whose role holds verbs the manager does not', async () => {
      const editorGrant = await grantRole(broker, { subject: 'user:jo', role: 'editor', namespace: 'team-a' });
      await broker.as('tm').delete(`/v1/grants/${editorGrant.id}`).expect(403);
    });

    it('refuses a role with verbs the manager does not hold', async () => {
      const response = await grant('tm', { subject: 'user:erin', role: 'editor', namespace: 'team-a' }).expect(403);
      expect(response.body.detail).toMatch(/rotate|create|update|revoke/);
    });

    it('refuses a manager creating a role with verbs it does not hold everywhere', async () => {
      await broker
        .as('tm')
        .post('/v1/roles')
        .send({ name: 'sneaky', verbs: ['read'] })
        .expect(403);
    });

    it('hides grants outside the manager scope: 404 alike for missing and not yours', async () => {
      const outside = await grantRole(broker, { subject: 'user:frank', role: 'reader', namespace: 'team-b' });
      const hidden = await broker.as('tm').delete(`/v1/grants/${outside.id}`).expect(404);
      const missing = await broker.as('tm').delete(`/v1/grants/${randomUUID()}`).expect(404);
      expect(hidden.body.detail.replace(outside.id, 'X')).toBe(missing.body.detail.replace(/[0-9a-f-]{36}/, 'X'));
      await broker.as('tm').get(`/v1/grants/${outside.id}`).expect(404);
      const listed = await broker.as('tm').get('/v1/grants').expect(200);
      expect(listed.body.every((item: { namespace: string }) => item.namespace === 'team-a')).toBe(true);
      await broker.as('admin').delete(`/v1/grants/${outside.id}`).expect(200);
      await broker.as('admin').get(`/v1/grants/${outside.id}`).expect(404);
    });
  });

  it('never matches an expired grant', async () => {
    await broker.app
      .get(DataSource)
      .getRepository(GrantEntity)
      .insert({
        id: randomUUID(),
        subject: 'user:gina',
        roleName: 'reader',
        namespace: 'team-a',
        namePattern: '*',
        expiresAt: new Date(Date.now() - 60_000),
        reason: null,
        createdBy: ADMIN,
      });
    const response = await review('gina', { verb: 'read', namespace: 'team-a', name: 'db-main' }).expect(200);
    expect(response.body.allowed).toBe(false);
    expect((await broker.as('gina').get('/v1/whoami').expect(200)).body.grants).toEqual([]);
  });

  it('honours a future expiresAt and rejects a past one', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const created = await grant('admin', {
      subject: 'user:hank',
      role: 'reader',
      namespace: 'team-a',
      expiresAt: soon,
    }).expect(201);
    expect(created.body.expiresAt).toBe(soon);
    await grant('admin', {
      subject: 'user:hank',
      role: 'reader',
      namespace: 'team-a',
      expiresAt: '2000-01-01T00:00:00Z',
    }).expect(422);
  });

  it('filters grants by subject, namespace and role', async () => {
    const [alice, sre, namespace] = [`user:${uniqueName('alice')}`, `group:${uniqueName('sre')}`, uniqueName('team')];
    const rotator = await createRole(broker, { verbs: ['read', 'list', 'rotate', 'rollback'] });
    await grantRole(broker, { subject: alice, role: 'reader', namespace, namePattern: 'db-*' });
    await grantRole(broker, { subject: sre, role: rotator.name, namespace: '*' });
    await grantRole(broker, { subject: `user:${uniqueName('tm')}`, role: 'reader', namespace });
    await grantRole(broker, { subject: `user:${uniqueName('erin')}`, role: 'reader', namespace, namePattern: 'db-*' });
    const bySubject = await broker.as('admin').get('/v1/grants').query({ subject: alice }).expect(200);
    expect(bySubject.body.map((item: { subject: string }) => item.subject)).toEqual([alice]);
    const byRole = await broker.as('admin').get('/v1/grants').query({ role: rotator.name }).expect(200);
    expect(byRole.body.map((item: { subject: string }) => item.subject)).toEqual([sre]);
    const byNamespace = await broker.as('admin').get('/v1/grants').query({ namespace }).expect(200);
    expect(byNamespace.body.length).toBeGreaterThanOrEqual(3);
  });

  describe('bad input changes nothing', () => {
    it.each([
      [{ subject: 'alice', role: 'reader', namespace: 'team-a' }, 'subject'],
      [{ subject: 'user:alice', role: 'Reader!', namespace: 'team-a' }, 'role'],
      [{ subject: 'user:alice', role: 'reader', namespace: 'Team_A' }, 'namespace'],
      [{ subject: 'user:alice', role: 'reader', namespace: 'team-a', namePattern: 'DB/*' }, 'namePattern'],
      [{ subject: 'user:alice', role: 'reader', namespace: 'team-a', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ subject: 'user:alice', role: 'reader', namespace: 'team-a', extra: true }, 'extra'],
    ])('answers 400 problem+json for %j', async (body, field) => {
      const before = await broker.as('admin').get('/v1/grants').expect(200);
      const response = await grant('admin', body).expect(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.detail).toContain(field);
      const after = await broker.as('admin').get('/v1/grants').expect(200);
      expect(after.body).toEqual(before.body);
    });

    it('answers 422 for an unknown role, 400 for malformed JSON, 404 for an unknown grant id', async () => {
      await grant('admin', { subject: 'user:alice', role: 'nope', namespace: 'team-a' }).expect(422);
      const malformed = await broker
        .as('admin')
        .post('/v1/grants')
        .set('content-type', 'application/json')
        .send('{"subject":')
        .expect(400);
      expect(malformed.headers['content-type']).toContain('application/problem+json');
      await broker.as('admin').get(`/v1/grants/${randomUUID()}`).expect(404);
      await broker.as('admin').get('/v1/grants/not-a-uuid').expect(400);
    });

    it('answers 413 for an oversized body', async () => {
      const response = await grant('admin', {
        subject: 'user:alice',
        role: 'reader',
        namespace: 'team-a',
        reason: 'x'.repeat(3 * 1024 * 1024),
      }).expect(413);
      expect(response.headers['content-type']).toContain('application/problem+json');
    });
  });

  describe('roles', () => {
    it('lists the built-in roles with their verbs', async () => {
      const response = await broker.as('admin').get('/v1/roles').expect(200);
      const byName = Object.fromEntries(
        response.body.map((role: { name: string; verbs: string[] }) => [role.name, role.verbs]),
      );
      expect(byName.reader).toEqual(['read', 'list']);
      expect(byName.rotator).toEqual(['read', 'list', 'rotate', 'rollback']);
      expect(byName.auditor).toEqual(['audit:read', 'list']);
      expect(byName.admin).toHaveLength(9);
    });

    it('refuses deleting a built-in role or one in use, deletes an unused custom role', async () => {
      const inUse = await createRole(broker, { verbs: ['grants:manage', 'read', 'list'] });
      await grantRole(broker, { subject: `user:${uniqueName('tm')}`, role: inUse.name, namespace: 'team-a' });
      await broker.as('admin').delete('/v1/roles/reader').expect(409);
      await broker.as('admin').delete(`/v1/roles/${inUse.name}`).expect(409);
      await broker
        .as('admin')
        .post('/v1/roles')
        .send({ name: 'temp', verbs: ['list'] })
        .expect(201);
      await broker
        .as('admin')
        .post('/v1/roles')
        .send({ name: 'temp', verbs: ['list'] })
        .expect(409);
      await broker.as('admin').delete('/v1/roles/temp').expect(200);
      await broker.as('admin').delete('/v1/roles/temp').expect(404);
      await broker
        .as('admin')
        .post('/v1/roles')
        .send({ name: 'bad', verbs: ['fly'] })
        .expect(400);
    });
  });

  it('echoes an incoming X-Request-Id and generates one otherwise', async () => {
    const echoed = await broker.as('alice').get('/v1/grants').set('X-Request-Id', 'trace-123').expect(403);
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    expect(echoed.body.requestId).toBe('trace-123');
    const generated = await broker.as('alice').get('/v1/grants').expect(403);
    expect(generated.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(broker.logLines.some((line) => line.includes('"requestId":"trace-123"'))).toBe(true);
  });
});
