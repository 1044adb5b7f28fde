import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { apiFailure, call, kubeConfigFor } from './support.js';

describe('fault injection and the request log', () => {
  let emulator: KubernetesEmulator;
  let core: CoreV1Api;

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start();
    core = kubeConfigFor(emulator).makeApiClient(CoreV1Api);
  });

  beforeEach(() => {
    emulator.faults.clear();
    emulator.clearRequestLog();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('answers the next N matching requests with 429 and Retry-After, then recovers', async () => {
    emulator.faults.inject({
      method: 'GET',
      path: '/api/v1/namespaces/default/secrets',
      times: 2,
      status: 429,
      retryAfterSeconds: 7,
    });
    const first = await call(emulator, 'GET', '/api/v1/namespaces/default/secrets');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.json).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 7 },
    });
    expect((await apiFailure(core.listNamespacedSecret({ namespace: 'default' }))).code).toBe(429);
    expect(
      (
        await call(emulator, 'POST', '/api/v1/namespaces/default/secrets', {
          body: { metadata: { name: 'unaffected' } },
        })
      ).status,
    ).toBe(201);
    expect((await core.listNamespacedSecret({ namespace: 'default' })).items).toHaveLength(1);
  });

  it('injects server errors with their Status reasons, matching paths by RegExp', async () => {
    emulator.faults.inject({ path: /\/secrets\/db$/, status: 503 });
    const res = await call(emulator, 'GET', '/api/v1/namespaces/default/secrets/db');
    expect(res.json).toMatchObject({ reason: 'ServiceUnavailable', code: 503 });
    expect((await call(emulator, 'GET', '/api/v1/namespaces/default/secrets/db')).status).toBe(404);
  });

  it('delays and drops connections', async () => {
    emulator.faults.inject({ path: '/api/v1/namespaces', delayMs: 150 });
    const started = Date.now();
    await core.listNamespace();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    emulator.faults.inject({ path: '/api/v1/namespaces', drop: true });
    await expect(core.listNamespace()).rejects.toThrow();
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
  });

  it('logs every request with method, path, query and status', async () => {
    await core.listNamespacedSecret({ namespace: 'default', labelSelector: 'a=b' });
    await apiFailure(core.readNamespacedSecret({ name: 'missing', namespace: 'default' }));
    expect(emulator.requests.map(({ method, path, query, status }) => ({ method, path, query, status }))).toEqual([
      { method: 'GET', path: '/api/v1/namespaces/default/secrets', query: 'labelSelector=a%3Db', status: 200 },
      { method: 'GET', path: '/api/v1/namespaces/default/secrets/missing', query: '', status: 404 },
    ]);
    expect(typeof emulator.requests[0].at).toBe('number');
  });
});
