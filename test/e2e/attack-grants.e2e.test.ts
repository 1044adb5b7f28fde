import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidBootstrapGrantIds1764800000000 } from '../../migrations/1764800000000-valid-bootstrap-grant-ids.js';
import { bootstrapGrantId } from '../../src/grants/bootstrap-grant-id.js';
import { ACCESS_REVIEW, CREATE_GRANT, createRole, grantRole, graphql } from '../factories/index.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const HOUR = 3_600_000;

/** Attacks on grant administration by a caller holding a narrow or short-lived grants:manage grant. */
describe('grant administration under attack', () => {
  const broker = useBroker();
  const grant = (as: string, body: Record<string, unknown>) => broker.as(as).post('/v1/grants').send(body);
  const inHours = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

  // Shared and only read: two team-a managers (temp's own right to grant ends in an hour) and bob's two grants.
  beforeAll(async () => {
    await createRole(broker, { name: 'grant-manager', verbs: ['grants:manage', 'read', 'list'] });
    await grantRole(broker, {
      subject: 'user:temp',
      role: 'grant-manager',
      namespace: 'team-a',
      expiresAt: inHours(1),
    });
    await grantRole(broker, { subject: 'user:tm', role: 'grant-manager', namespace: 'team-a' });
    await grantRole(broker, { subject: 'user:bob', role: 'reader', namespace: 'team-a', namePattern: 'db-*' });
    await grantRole(broker, { subject: 'user:bob', role: 'reader', namespace: '*', namePattern: 'db-main' });
  });

  describe('a grant cannot outlive its granter', () => {
    it.each([
      ['no expiry at all', {}],
      ['an expiry after its own', { expiresAt: inHours(2) }],
    ])('refuses %s with 403 naming the limit, and changes nothing', async (_label, lifetime) => {
      const before = await captureState(broker);
      const refused = await grant('temp', {
        subject: 'user:mallory',
        role: 'reader',
        namespace: 'team-a',
        ...lifetime,
      }).expect(403);
      expect(refused.body.detail).toMatch(/must expire no later than \d{4}-\d{2}-\d{2}T/);
      expect(new Date(refused.body.details.maxExpiresAt).getTime()).toBeLessThanOrEqual(Date.now() + HOUR);
      const added = await expectUnchanged(broker, before);
      expect(added.map((event) => [event.action, event.outcome])).toEqual([['grants:manage', 'denied']]);
    });

    it('refuses the same over GraphQL', async () => {
      const before = await captureState(broker);
      const result = await graphql(broker, 'temp', CREATE_GRANT, {
        input: { subject: 'user:mallory', role: 'reader', namespace: 'team-a' },
      });
      expect(result.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(result.errors?.[0].message).toContain('must expire no later than');
      await expectUnchanged(broker, before);
    });

    it('allows a grant that ends before the granter does', async () => {
      await grant('temp', {
        subject: 'user:carol',
        role: 'reader',
        namespace: 'team-a',
        expiresAt: inHours(0.5),
      }).expect(201);
    });
  });

  describe('access reviews by a manager show only grants inside its own scope', () => {
    it('shows the team-a grant and counts the cluster-wide one', async () => {
      const before = await captureState(broker);
      const review = await broker
        .as('tm')
        .post('/v1/access-reviews')
        .send({ subject: 'user:bob', verb: 'read', namespace: 'team-a', name: 'db-main' })
        .expect(200);
      expect(review.body.allowed).toBe(true);
      expect(review.body.matchedGrants.map((matched: { namespace: string }) => matched.namespace)).toEqual(['team-a']);
      expect(review.body.hiddenMatchedGrants).toBe(1);
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('shows everything to an admin and to the subject itself', async () => {
      const asAdmin = await broker
        .as('admin')
        .post('/v1/access-reviews')
        .send({ subject: 'user:bob', verb: 'read', namespace: 'team-a', name: 'db-main' })
        .expect(200);
      expect(asAdmin.body.matchedGrants).toHaveLength(2);
      expect(asAdmin.body.hiddenMatchedGrants).toBe(0);
      const self = await broker
        .as('bob')
        .post('/v1/access-reviews')
        .send({ verb: 'read', namespace: 'team-a', name: 'db-main' })
        .expect(200);
      expect(self.body.matchedGrants).toHaveLength(2);
    });

    it('hides the same over GraphQL', async () => {
      const result = await graphql(broker, 'tm', ACCESS_REVIEW, {
        input: { subject: 'user:bob', verb: 'read', namespace: 'team-a', name: 'db-main' },
      });
      expect(result.data?.accessReview).toMatchObject({
        allowed: true,
        hiddenMatchedGrants: 1,
        matchedGrants: [{ namespace: 'team-a' }],
      });
    });
  });

  describe('control characters', () => {
    it.each([
      ['a NUL in the subject', { subject: 'user:eve\u0000admin', role: 'reader', namespace: 'team-a' }],
      ['a newline in the subject', { subject: 'user:eve\nadmin', role: 'reader', namespace: 'team-a' }],
      ['a NUL in the reason', { subject: 'user:eve', role: 'reader', namespace: 'team-a', reason: 'on-call\u0000' }],
      [
        'an escape sequence in the reason',
        { subject: 'user:eve', role: 'reader', namespace: 'team-a', reason: 'x\u001b[2Jy' },
      ],
    ])('refuses %s with 400 before anything is decided', async (_label, body) => {
      const before = await captureState(broker);
      const refused = await grant('admin', body).expect(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('refuses a NUL in a role description and in a review subject', async () => {
      const before = await captureState(broker);
      await broker
        .as('admin')
        .post('/v1/roles')
        .send({ name: 'nul-role', verbs: ['read'], description: 'a\u0000b' })
        .expect(400);
      await broker
        .as('admin')
        .post('/v1/access-reviews')
        .send({ subject: 'user:x\u0000', verb: 'read', namespace: 'team-a', name: 'db' })
        .expect(400);
      await broker.as('admin').get('/v1/grants').query({ subject: 'user:x\u0000' }).expect(400);
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });
  });

  describe('bootstrap grants', () => {
    it('have ids the API accepts: they can be fetched and deleted like any grant', async () => {
      const id = bootstrapGrantId('user:admin');
      const fetched = await broker.as('admin').get(`/v1/grants/${id}`).expect(200);
      expect(fetched.body).toMatchObject({ subject: 'user:admin', createdBy: 'system:bootstrap' });
      await grantRole(broker, { subject: 'user:second-admin', role: 'admin', namespace: '*' });
      await broker.as('second-admin').delete(`/v1/grants/${id}`).expect(200);
      await broker.as('admin').get('/v1/whoami').expect(200);
      // The restart re-creates it (BOOTSTRAP_ADMINS is idempotent, not a one-off).
      await broker.restart();
      await broker.as('admin').get(`/v1/grants/${id}`).expect(200);
    });

    it('issued with the old, invalid ids are given valid ones by the migration', async () => {
      const dataSource = broker.app.get(DataSource);
      const legacyId = 'b3ee4d0c-1a2b-d3c4-f5e6-0718293a4b5c';
      await dataSource.query(
        `INSERT INTO grants (id, subject, role_name, namespace, name_pattern, created_by) VALUES ('${legacyId}', 'user:legacy-admin', 'admin', '*', '*', 'system:bootstrap')`,
      );
      const runner = dataSource.createQueryRunner();
      try {
        await new ValidBootstrapGrantIds1764800000000().up(runner);
      } finally {
        await runner.release();
      }
      const ids = (
        await dataSource.query<Array<{ id: string }>>(`SELECT id FROM grants WHERE subject = 'user:legacy-admin'`)
      ).map((row) => row.id);
      expect(ids).toEqual([bootstrapGrantId('user:legacy-admin')]);
      await broker.as('admin').get(`/v1/grants/${ids[0]}`).expect(200);
    });
  });
});
