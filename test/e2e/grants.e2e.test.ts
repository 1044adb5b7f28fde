import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startBroker, type TestBroker } from '../support/broker.js';

describe('grants, access reviews and whoami over REST', () => {
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('bootstraps the admin with admin on everything', async () => {
    const response = await broker.as('admin').get('/v1/whoami').expect(200);
    expect(response.body.subject).toBe(ADMIN);
    expect(response.body.grants).toHaveLength(1);
    expect(response.body.grants[0]).toMatchObject({ role: 'admin', namespace: '*', namePattern: '*' });
  });

  it('lets an admin grant alice reader on team-a db-* and answers reviews accordingly', async () => {
    const created = await broker
      .as('admin')
      .post('/v1/grants')
      .send({ subject: 'user:alice', role: 'reader', namespace: 'team-a', namePattern: 'db-*', reason: 'on-call' })
      .expect(201);
    expect(created.body).toMatchObject({ subject: 'user:alice', role: 'reader', createdBy: ADMIN });

    const review = (namespace: string, name: string) =>
      broker.as('alice').post('/v1/access-reviews').send({ verb: 'read', namespace, name }).expect(200);
    const allowed = await review('team-a', 'db-main');
    expect(allowed.body.allowed).toBe(true);
    expect(allowed.body.matchedGrants.map((grant: { id: string }) => grant.id)).toEqual([created.body.id]);
    expect((await review('team-b', 'db-main')).body.allowed).toBe(false);
    expect((await review('team-a', 'api-key')).body.allowed).toBe(false);

    const denied = await broker
      .as('alice')
      .post('/v1/grants')
      .send({ subject: 'user:bob', role: 'reader', namespace: 'team-a' })
      .expect(403);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect(denied.body).toMatchObject({ status: 403, title: 'Forbidden' });
  });
});
