import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JwtStrategy } from '../../src/auth/jwt.strategy.js';
import { postgresBaseUrl } from '../support/database.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { signToken } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

const kind = postgresBaseUrl() ? 'postgres' : 'sqlite';
const CREATE_GRANT = 'mutation($input: CreateGrantInput!) { createGrant(input: $input) { id } }';
const GRANT = { subject: 'user:mallory', role: 'admin', namespace: '*' };

/** The same header and claims with a signature that is not the broker's. */
function forgedFrom(token: string): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
}

describe(`verified tokens remembered across requests (${kind})`, () => {
  // No clock tolerance, so a token is refused exactly at its exp; TRUST_PROXY lets each case
  // speak from its own address, so one case's failed authentications do not block another's.
  const broker = useBroker({
    JWT_CLOCK_TOLERANCE_SECONDS: '0',
    AUTH_FAILURE_LIMIT_PER_MINUTE: '3',
    RATE_LIMIT_PER_MINUTE: '20',
    TRUST_PROXY: 'loopback',
  });
  let validations: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    validations = vi.spyOn(broker.app.get(JwtStrategy), 'validate');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('verifies a token once, and still takes the request id and source address from each request', async () => {
    const token = signToken({ sub: 'admin' });
    const sql = broker.app.get(DataSource);
    for (const [requestId, address] of [
      ['cached-1', '192.0.2.1'],
      ['cached-2', '192.0.2.2'],
      ['cached-3', '192.0.2.3'],
    ]) {
      await broker
        .http()
        .get('/v1/grants')
        .auth(token, { type: 'bearer' })
        .set('X-Request-Id', requestId)
        .set('X-Forwarded-For', address)
        .expect(200);
    }
    expect(validations).toHaveBeenCalledTimes(1);
    const audited = await sql.query<Array<{ request_id: string; source_ip: string; subject: string }>>(
      `SELECT request_id, source_ip, subject FROM audit_events WHERE request_id LIKE 'cached-%' ORDER BY id`,
    );
    expect(audited).toEqual([
      { request_id: 'cached-1', source_ip: '192.0.2.1', subject: 'user:admin' },
      { request_id: 'cached-2', source_ip: '192.0.2.2', subject: 'user:admin' },
      { request_id: 'cached-3', source_ip: '192.0.2.3', subject: 'user:admin' },
    ]);
  });

  it('refuses a remembered token from its exp on', async () => {
    const token = signToken({ sub: 'admin' }, { expiresInSeconds: 2 });
    const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    const use = () =>
      broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).set('X-Forwarded-For', '192.0.2.10');
    await use().expect(200);
    await use().expect(200);
    expect(validations).toHaveBeenCalledTimes(1);
    await sleep(exp * 1000 - Date.now() + 50);
    const refused = await use().expect(401);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 401, detail: 'Authentication failed: jwt expired' });
    const graphql = await broker
      .http()
      .post('/graphql')
      .auth(token, { type: 'bearer' })
      .set('X-Forwarded-For', '192.0.2.10')
      .send({ query: '{ whoami { subject } }' })
      .expect(200);
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('never accepts a bad signature, even while a token with the same claims is remembered', async () => {
    const token = signToken({ sub: 'admin' });
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    const forgeries = [
      forgedFrom(token),
      signToken({ sub: 'admin' }, { key: 'not-the-broker-secret-but-long-enough-000' }),
    ];
    const before = await captureState(broker);
    for (const [index, forged] of forgeries.entries()) {
      const refused = await broker
        .http()
        .post('/v1/grants')
        .auth(forged, { type: 'bearer' })
        .set('X-Forwarded-For', `198.51.100.${index + 1}`)
        .send(GRANT)
        .expect(401);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 401, detail: 'Authentication failed: invalid signature' });
      const graphql = await broker
        .http()
        .post('/graphql')
        .auth(forged, { type: 'bearer' })
        .set('X-Forwarded-For', `198.51.100.${index + 1}`)
        .send({ query: CREATE_GRANT, variables: { input: GRANT } })
        .expect(200);
      expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(graphql.body.data).toBeNull();
    }
    const added = await expectUnchanged(broker, before);
    expect(added.map((event) => `${event.action}:${event.outcome}`)).toEqual(
      Array.from({ length: 4 }, () => 'authenticate:failed'),
    );
    // The genuine token is still remembered and still works.
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
  });

  it('still refuses an address over the failed-authentication limit, however valid its remembered token', async () => {
    const token = signToken({ sub: 'admin' });
    const address = '203.0.113.50';
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).set('X-Forwarded-For', address).expect(200);
    for (let i = 0; i < 3; i++) {
      await broker
        .http()
        .get('/v1/whoami')
        .auth(forgedFrom(token), { type: 'bearer' })
        .set('X-Forwarded-For', address)
        .expect(401);
    }
    const before = await captureState(broker);
    const refused = await broker
      .http()
      .post('/v1/grants')
      .auth(token, { type: 'bearer' })
      .set('X-Forwarded-For', address)
      .send(GRANT)
      .expect(429);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    await expectUnchanged(broker, before);
  });

  it("still counts a remembered token's requests against its subject's rate limit", async () => {
    const token = signToken({ sub: 'burst' });
    const use = () =>
      broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).set('X-Forwarded-For', '192.0.2.20');
    for (let i = 0; i < 20; i++) await use().expect(200);
    const refused = await use().expect(429);
    expect(refused.body).toMatchObject({ status: 429 });
    expect(validations).toHaveBeenCalledTimes(1);
  });
});
