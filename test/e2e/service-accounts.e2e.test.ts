import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createSecret, createUnmanagedSecret, grantRole, WHOAMI } from '../factories/index.js';
import { kubeClients } from '../support/kube.js';
import { API_SERVER_AUDIENCE, serviceAccountToken, tokenReviewsSeen } from '../support/service-account-tokens.js';
import { auditEventsSince, captureState, expectUnchanged } from '../support/state.js';
import { useBroker, withBroker } from '../support/use-broker.js';

describe('ServiceAccount tokens through TokenReview', () => {
  const broker = useBroker({ KUBERNETES_TOKEN_REVIEW: 'true' });
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
  });

  it('accepts a token the cluster vouches for, as serviceaccount:<ns>/<name> with its groups', async () => {
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    expect(response.body.subject).toBe('serviceaccount:team-a/billing');
    expect(response.body.subjects).toContain('group:system:serviceaccounts:team-a');
    expect(JSON.stringify(broker.logLines)).not.toContain(token.split('.')[2]);
  });

  it('lets a granted ServiceAccount request its credentials', async () => {
    await createSecret(broker, 'team-a', { name: 'billing-db', data: { password: 'from-the-broker' } });
    await grantRole(broker, {
      subject: 'serviceaccount:team-a/billing',
      role: 'reader',
      namespace: 'team-a',
      namePattern: 'billing-*',
    });
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
    const values = await broker
      .http()
      .post('/v1/namespaces/team-a/secrets/billing-db/request')
      .auth(token, { type: 'bearer' })
      .send({})
      .expect(200);
    expect(values.body.values[0].value).toBe('from-the-broker');
    await broker
      .http()
      .post('/v1/namespaces/team-a/secrets/other/request')
      .auth(token, { type: 'bearer' })
      .send({})
      .expect(403);
  });

  it('refuses a token whose bound object was deleted, and tokens the cluster did not issue', async () => {
    const bound = await createUnmanagedSecret(broker, 'team-a', 'pod-binding', {});
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing', {
      boundSecret: { name: 'pod-binding', uid: bound.uid },
    });
    await kubeClients(broker.emulator).core.deleteNamespacedSecret({ name: 'pod-binding', namespace: 'team-a' });
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    const [header, payload] = token.split('.');
    await broker.http().get('/v1/whoami').auth(`${header}.${payload}.forged`, { type: 'bearer' }).expect(401);
  });

  it('refuses a token minted for another audience (the API server default), though the cluster issued it', async () => {
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing', { audiences: [API_SERVER_AUDIENCE] });
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const graphql = await broker
      .http()
      .post('/graphql')
      .auth(token, { type: 'bearer' })
      .send({ query: WHOAMI.query })
      .expect(200);
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // Without spec.audiences the API server checks its own audience and would have said yes.
    // The cluster's refusal is cached briefly: the second request asked nobody.
    expect(tokenReviewsSeen(broker.emulator)).toBe(1);
    const refusals = await expectUnchanged(broker, before);
    expect(refusals.filter((event) => event.action === 'authenticate').map((event) => event.outcome)).toEqual([
      'failed',
      'failed',
    ]);
  });

  it('accepts a token minted for any of several configured audiences', async () => {
    const settings = {
      KUBERNETES_TOKEN_REVIEW: 'true',
      KUBERNETES_TOKEN_REVIEW_AUDIENCES: 'vault,secrets-broker.example',
    };
    await withBroker(settings, async (multi) => {
      await createNamespace(multi, 'team-a');
      const token = await serviceAccountToken(multi.emulator, 'team-a', 'billing', {
        audiences: ['secrets-broker.example'],
      });
      await multi.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
      const other = await serviceAccountToken(multi.emulator, 'team-a', 'billing', { audiences: ['secrets-broker'] });
      const before = await captureState(multi);
      await multi.http().get('/v1/whoami').auth(other, { type: 'bearer' }).expect(401);
      expect((await auditEventsSince(multi, before)).map((event) => event.action)).toEqual(['authenticate']);
    });
  });
});

describe('ServiceAccount tokens without KUBERNETES_TOKEN_REVIEW', () => {
  const broker = useBroker();

  it('are refused and never sent to the cluster', async () => {
    await createNamespace(broker, 'team-a');
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
    broker.emulator.clearRequestLog();
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(401);
    expect(tokenReviewsSeen(broker.emulator)).toBe(0);
  });
});
