import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createSecret, GRANTS, WHOAMI } from '../factories/index.js';
import { auditEventsSince, captureState, expectUnchanged } from '../support/state.js';
import { handmadeToken, nowSeconds, signToken, tokenFor } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('tokens in a query string', () => {
  const broker = useBroker({ LOG_LEVEL: 'info' });

  it('are refused and appear in no log line, no error and no audit event', async () => {
    const token = tokenFor('admin');
    const signature = token.split('.')[2];
    const before = await captureState(broker);

    const rest = await broker.http().get('/v1/whoami').query({ access_token: token }).expect(401);
    expect(rest.body.detail).toContain('missing bearer token');
    const missing = await broker.http().get('/v1/no-such-route').query({ access_token: token, page: '2' }).expect(404);
    expect(missing.body.detail).toBe('Cannot GET /v1/no-such-route');
    // Apollo refuses a GET without a preflight header (CSRF) before anything else…
    await broker.http().get('/graphql').query({ query: WHOAMI.query, access_token: token }).expect(400);
    // …and with one, the query runs unauthenticated.
    const graphql = await broker
      .http()
      .get('/graphql')
      .set('Apollo-Require-Preflight', 'true')
      .query({ query: WHOAMI.query, access_token: token })
      .expect(200);
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const log = broker.logLines.join('\n');
    expect(log).not.toContain(signature);
    expect(log).not.toContain('access_token');
    for (const path of ['/v1/whoami', '/v1/no-such-route', '/graphql']) {
      expect(broker.logLines.some((line) => line.includes(`"url":"${path}"`))).toBe(true);
    }
    expect(JSON.stringify([rest.body, missing.body, graphql.body])).not.toContain(signature);
    const refusals = await expectUnchanged(broker, before);
    expect(refusals.map((event) => event.action)).toEqual(['authenticate', 'authenticate']);
    expect(JSON.stringify(refusals)).not.toContain(signature);
  });
});

describe('input at the edge', () => {
  const broker = useBroker();
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
  });

  it('a JSON body nested 5,000 levels deep is 400 problem+json, on REST and in GraphQL variables', async () => {
    const before = await captureState(broker);
    const bodies: Array<[string, string]> = [
      ['/v1/grants', `{"subject":"user:x","role":"reader","namespace":"team-a","extra":${nestedArrays(5000)}}`],
      ['/v1/namespaces/team-a/secrets', `{"name":"deep","data":${nestedObjects(5000)}}`],
      ['/v1/access-reviews', nestedObjects(200_000)],
      [
        '/graphql',
        `{"query":"query ($input: AccessReviewInput!) { accessReview(input: $input) { allowed } }","variables":{"input":${nestedObjects(5000)}}}`,
      ],
      ['/graphql', `{"query":"{ whoami { subject } }","variables":{"unused":${nestedArrays(5000)}}}`],
    ];
    for (const [path, body] of bodies) {
      const response = await broker
        .as('admin')
        .post(path)
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, detail: 'JSON body nests deeper than 64 levels' });
    }
    expect(await expectUnchanged(broker, before)).toEqual([]);
    // Ordinary nesting is untouched.
    await createSecret(broker, 'team-a', { name: 'shallow', data: { password: 'p' } });
  });

  it('a token whose sub or groups hold control characters is 401 on both transports, and audited', async () => {
    const before = await captureState(broker);
    const tokens = [
      signToken({ sub: 'ali\u0000ce' }),
      signToken({ sub: 'bob\u001b[2J' }),
      signToken({ sub: 'eve\u0085' }),
      signToken({ sub: 'lone\ud800surrogate' }),
      signToken({ sub: 'carol', groups: ['ops', 'admins\u0000'] }),
    ];
    for (const token of tokens) {
      const rest = await broker.http().get('/v1/grants').auth(token, { type: 'bearer' }).expect(401);
      expect(rest.body.detail).toMatch(/control characters/);
      const graphql = await broker
        .http()
        .post('/graphql')
        .auth(token, { type: 'bearer' })
        .send({ query: GRANTS.query })

        .expect(200);
      expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const refusals = await expectUnchanged(broker, before);
    expect(refusals.filter((event) => event.action === 'authenticate')).toHaveLength(tokens.length * 2);
    expect(refusals.every((event) => event.subject === 'anonymous')).toBe(true);
  });

  it('a control character the caller put in a refusal reason is stored escaped, and the chain still verifies', async () => {
    const before = await captureState(broker);
    const token = handmadeToken({ alg: 'HS256\u0000\ud800', typ: 'JWT' }, { sub: 'alice', exp: nowSeconds() + 60 });
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(401);
    const [refusal] = await expectUnchanged(broker, before);
    expect(refusal).toMatchObject({ subject: 'anonymous', action: 'authenticate', outcome: 'failed' });
    expect(refusal.reason).toBe('Authentication failed: algorithm HS256\\u0000\\ud800 is not accepted');
    const verified = await broker.as('admin').get('/v1/audit-events/verify').expect(200);
    expect(verified.body).toMatchObject({ ok: true, firstBrokenId: null });
    expect(await auditEventsSince(broker, before)).toHaveLength(2);
  });
});
