import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../support/broker.js';

describe('per-subject rate limit', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('answers 429 problem+json with Retry-After once a subject used its budget, across REST and GraphQL', async () => {
    for (let i = 0; i < 4; i++) await broker.as('busy').get('/v1/whoami').expect(200);
    const fifth = await broker.graphql('busy', '{ whoami { subject } }');
    expect(fifth.errors).toBeUndefined();

    const limited = await broker.as('busy').get('/v1/whoami').expect(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    const graphql = await broker.graphql('busy', '{ whoami { subject } }');
    expect(graphql.errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('keeps other subjects and health probes unaffected', async () => {
    await broker.as('calm').get('/v1/whoami').expect(200);
    for (let i = 0; i < 10; i++) await broker.http().get('/healthz').expect(200);
  });
});
