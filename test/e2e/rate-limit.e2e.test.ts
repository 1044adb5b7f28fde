import { describe, expect, it } from 'vitest';
import { graphql, WHOAMI } from '../factories/index.js';
import { useBroker } from '../support/use-broker.js';

describe('per-subject rate limit', () => {
  const broker = useBroker({ RATE_LIMIT_PER_MINUTE: '5' });

  it('answers 429 problem+json with Retry-After once a subject used its budget, across REST and GraphQL', async () => {
    for (let i = 0; i < 4; i++) await broker.as('busy').get('/v1/whoami').expect(200);
    const fifth = await graphql(broker, 'busy', WHOAMI);
    expect(fifth.errors).toBeUndefined();

    const limited = await broker.as('busy').get('/v1/whoami').expect(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    const limitedGraphql = await graphql(broker, 'busy', WHOAMI);
    expect(limitedGraphql.errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('keeps other subjects and health probes unaffected', async () => {
    await broker.as('calm').get('/v1/whoami').expect(200);
    for (let i = 0; i < 10; i++) await broker.http().get('/healthz').expect(200);
  });
});
