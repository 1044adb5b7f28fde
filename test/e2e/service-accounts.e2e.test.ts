import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesEmulator } from '../../src/emulator/index.js';
import { startBroker, type TestBroker } from '../support/broker.js';
import { createNamespaces, kubeClients } from '../support/kube.js';

async function serviceAccountToken(emulator: KubernetesEmulator, namespace: string, name: string, boundSecret?: { name: string; uid: string }): Promise<string> {
  const { core } = kubeClients(emulator);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: boundSecret ? { kind: 'Secret', apiVersion: 'v1', ...boundSecret } : undefined } },
  });
  return request.status?.token ?? '';
}

describe('ServiceAccount tokens through TokenReview', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker({ KUBERNETES_TOKEN_REVIEW: 'true' });
    await createNamespaces(broker.emulator, 'team-a');
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('accepts a token the cluster vouches for, as serviceaccount:<ns>/<name> with its groups', async () => {
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    expect(response.body.subject).toBe('serviceaccount:team-a/billing');
    expect(response.body.subjects).toContain('group:system:serviceaccounts:team-a');
    expect(JSON.stringify(broker.logLines)).not.toContain(token.split('.')[2]);
  });

  it('lets a granted ServiceAccount request its credentials', async () => {
    await broker.as('admin').post('/v1/namespaces/team-a/secrets').send({ name: 'billing-db', data: { password: 'from-the-broker' } }).expect(201);
    await broker.as('admin').post('/v1/grants').send({ subject: 'serviceaccount:team-a/billing', role: 'reader', namespace: 'team-a', namePattern: 'billing-*' }).expect(201);
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
    const values = await broker.http().post('/v1/namespaces/team-a/secrets/billing-db/request').auth(token, { type: 'bearer' }).send({}).expect(200);
    expect(values.body.values[0].value).toBe('from-the-broker');
    await broker.http().post('/v1/namespaces/team-a/secrets/other/request').auth(token, { type: 'bearer' }).send({}).expect(403);
  });

  it('refuses a token whose bound object was deleted, and tokens the cluster did not issue', async () => {
    const { core } = kubeClients(broker.emulator);
    const bound = await core.createNamespacedSecret({ namespace: 'team-a', body: { metadata: { name: 'pod-binding' }, data: {} } });
    const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing', { name: 'pod-binding', uid: bound.metadata?.uid ?? '' });
    await core.deleteNamespacedSecret({ name: 'pod-binding', namespace: 'team-a' });
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    const [header, payload] = token.split('.');
    await broker.http().get('/v1/whoami').auth(`${header}.${payload}.forged`, { type: 'bearer' }).expect(401);
  });
});

describe('ServiceAccount tokens without KUBERNETES_TOKEN_REVIEW', () => {
  it('are refused and never sent to the cluster', async () => {
    const broker = await startBroker();
    try {
      await createNamespaces(broker.emulator, 'team-a');
      const token = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
      broker.emulator.clearRequestLog();
      await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(401);
      expect(broker.emulator.requests.filter((request) => request.path.includes('tokenreviews'))).toEqual([]);
    } finally {
      await broker.close();
    }
  });
});
