import { DataSource } from 'typeorm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '../../src/common/time/clock.js';
import { createNamespace, gql, graphql, WHOAMI } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { serviceAccountToken, tokenReviewsSeen } from '../support/service-account-tokens.js';
import { auditEventsSince, captureState, expectUnchanged, type BrokerState } from '../support/state.js';
import { signToken } from '../support/tokens.js';
import { useBroker, withBroker } from '../support/use-broker.js';

const BAD_TOKEN = signToken({ sub: 'mallory' }, { key: 'not-the-broker-secret-but-long-enough-000' });

function aliased(count: number, field = 'whoami { subject }'): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

/** The source addresses the audit trail recorded for events after `state`. */
async function auditedSources(broker: Broker, state: BrokerState): Promise<string[]> {
  const rows = await broker.app
    .get(DataSource)
    .query<Array<{ source_ip: string }>>(
      `SELECT source_ip FROM audit_events WHERE id > ${state.auditHead} AND action = 'authenticate' ORDER BY id`,
    );
  return rows.map((row) => row.source_ip);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an address that keeps failing authentication', () => {
  // TRUST_PROXY lets the test speak from several addresses through X-Forwarded-For.
  const broker = useBroker({
    AUTH_FAILURE_LIMIT_PER_MINUTE: '5',
    KUBERNETES_TOKEN_REVIEW: 'true',
    TRUST_PROXY: 'loopback',
  });
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
  });

  it('is refused with 429 before any verification, TokenReview or audit write, until the window passes', async () => {
    const started = Date.now();
    let now = started;
    vi.spyOn(broker.app.get(Clock), 'now').mockImplementation(() => now);
    const attacker = '203.0.113.7';
    const serviceAccount = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
    const before = await captureState(broker);
    for (let i = 0; i < 5; i++) {
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', attacker)
        .auth(BAD_TOKEN, { type: 'bearer' })
        .expect(401);
    }
    const failures = await auditEventsSince(broker, before);
    expect(failures.filter((event) => event.action === 'authenticate')).toHaveLength(5);

    const blockStarted = await captureState(broker);
    broker.emulator.clearRequestLog();
    now = started + 10_000;
    const refused = await broker.as('admin').get('/v1/whoami').set('X-Forwarded-For', attacker).expect(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(Number(refused.headers['retry-after'])).toBe(50);
    // A ServiceAccount token, valid or not, is not relayed to the cluster for review.
    await broker
      .http()
      .get('/v1/whoami')
      .set('X-Forwarded-For', attacker)
      .auth(serviceAccount, { type: 'bearer' })
      .expect(429);
    await broker.http().get('/v1/whoami').set('X-Forwarded-For', attacker).expect(429);
    const graphql = await broker
      .as('admin')
      .post('/graphql')
      .set('X-Forwarded-For', attacker)
      .send({ query: WHOAMI.query })
      .expect(200);
    expect(graphql.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: 50 },
    });
    expect(graphql.body.data).toBeNull();

    expect(tokenReviewsSeen(broker.emulator)).toBe(0);
    expect(await auditEventsSince(broker, blockStarted)).toEqual([]);
    await expectUnchanged(broker, before);

    // Probes stay public, and other addresses are not affected.
    await broker.http().get('/healthz').set('X-Forwarded-For', attacker).expect(200);
    await broker
      .http()
      .get('/v1/whoami')
      .set('X-Forwarded-For', '198.51.100.20')
      .auth(serviceAccount, { type: 'bearer' })
      .expect(200);

    now = started + 60_001;
    await broker.as('admin').get('/v1/whoami').set('X-Forwarded-For', attacker).expect(200);
  });

  it('counts a whole IPv6 /64 as one address', async () => {
    const before = await captureState(broker);
    for (let i = 1; i <= 5; i++) {
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', `2001:db8:7:1::${i}`)
        .auth(BAD_TOKEN, { type: 'bearer' })
        .expect(401);
    }
    await broker.as('admin').get('/v1/whoami').set('X-Forwarded-For', '2001:db8:7:1:ffff::9').expect(429);
    await broker.as('admin').get('/v1/whoami').set('X-Forwarded-For', '2001:db8:7:2::1').expect(200);
    await expectUnchanged(broker, before);
  });
});

describe('a GraphQL operation', () => {
  const broker = useBroker({ KUBERNETES_TOKEN_REVIEW: 'true' });
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
  });

  it('is authenticated once however many aliased root fields it has: one audit row', async () => {
    const before = await captureState(broker);
    const response = await broker
      .http()
      .post('/graphql')
      .auth(BAD_TOKEN, { type: 'bearer' })
      .send({ query: aliased(15) })
      .expect(200);
    const codes = (response.body.errors as Array<{ extensions: { code: string } }>).map(
      (error) => error.extensions.code,
    );
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['UNAUTHENTICATED']));
    const added = await expectUnchanged(broker, before);
    expect(added.map((event) => `${event.action} ${event.outcome}`)).toEqual(['authenticate failed']);
  });

  it('sends a ServiceAccount-shaped bad token for review once, and not again while the refusal is cached', async () => {
    const [header, payload] = (await serviceAccountToken(broker.emulator, 'team-a', 'billing')).split('.');
    const forged = `${header}.${payload}.forged-signature`;
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();
    const response = await broker
      .http()
      .post('/graphql')
      .auth(forged, { type: 'bearer' })
      .send({ query: aliased(10) })
      .expect(200);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(tokenReviewsSeen(broker.emulator)).toBe(1);
    await broker
      .http()
      .post('/graphql')
      .auth(forged, { type: 'bearer' })
      .send({ query: aliased(10) })
      .expect(200);
    await broker.http().get('/v1/whoami').auth(forged, { type: 'bearer' }).expect(401);
    expect(tokenReviewsSeen(broker.emulator)).toBe(1);
    const added = await expectUnchanged(broker, before);
    expect(added.filter((event) => event.action === 'authenticate')).toHaveLength(3);
  });

  it('with more than 15 aliases is refused before any guard or resolver runs', async () => {
    const [header, payload] = (await serviceAccountToken(broker.emulator, 'team-a', 'billing')).split('.');
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();
    for (const [count, token] of [
      [16, BAD_TOKEN],
      [20, BAD_TOKEN],
      [16, `${header}.${payload}.other-forgery`],
    ] as const) {
      const response = await broker
        .http()
        .post('/graphql')
        .auth(token, { type: 'bearer' })
        .send({ query: aliased(count) })
        .expect(400);
      expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.body.errors[0].message).toContain(`Aliases limit of 15 exceeded, found ${count}`);
      expect(response.body.data).toBeUndefined();
    }
    // Access reviews are audited when they run: none did.
    const reviews = await graphql(
      broker,
      'admin',
      gql(aliased(16, 'accessReview(input: { verb: "read", namespace: "team-a", name: "x" }) { allowed }')),
    );
    expect(reviews.status).toBe(400);
    expect(reviews.data).toBeUndefined();
    expect(tokenReviewsSeen(broker.emulator)).toBe(0);
    expect(await expectUnchanged(broker, before)).toEqual([]);
  });
});

describe('the source address', () => {
  it('is the peer by default: X-Forwarded-For is neither audited nor a way around the failure limit', async () => {
    await withBroker({ AUTH_FAILURE_LIMIT_PER_MINUTE: '3' }, async (broker) => {
      const before = await captureState(broker);
      for (let i = 1; i <= 3; i++) {
        await broker
          .http()
          .get('/v1/whoami')
          .set('X-Forwarded-For', `203.0.113.${i}`)
          .auth(BAD_TOKEN, { type: 'bearer' })
          .expect(401);
      }
      const sources = await auditedSources(broker, before);
      expect(sources).toHaveLength(3);
      for (const source of sources) expect(source).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      await broker.as('admin').get('/v1/whoami').set('X-Forwarded-For', '198.51.100.99').expect(429);
      await expectUnchanged(broker, before);
    });
  });

  it('is the forwarded one when the peer is a trusted proxy (TRUST_PROXY=loopback), never a client-written hop', async () => {
    await withBroker({ TRUST_PROXY: 'loopback' }, async (broker) => {
      const before = await captureState(broker);
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', '203.0.113.9')
        .auth(BAD_TOKEN, { type: 'bearer' })
        .expect(401);
      // The client wrote the first hop; the proxy appended the address it saw.
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', '10.9.9.9, 198.51.100.4')
        .auth(BAD_TOKEN, { type: 'bearer' })
        .expect(401);
      expect(await auditedSources(broker, before)).toEqual(['203.0.113.9', '198.51.100.4']);
      await expectUnchanged(broker, before);
    });
  });

  it('from a proxy that is not named is the proxy itself', async () => {
    await withBroker({ TRUST_PROXY: '10.0.0.0/8' }, async (broker) => {
      const before = await captureState(broker);
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', '203.0.113.9')
        .auth(BAD_TOKEN, { type: 'bearer' })
        .expect(401);
      expect(await auditedSources(broker, before)).toEqual([expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/)]);
    });
  });
});
