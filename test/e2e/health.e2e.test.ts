import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { useBroker } from '../support/use-broker.js';
import { untilSecretsCacheWatching } from '../support/secrets-cache.js';

describe('health endpoints', () => {
  const broker = useBroker();

  it('answers liveness and readiness without a token', async () => {
    expect((await broker.http().get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    await untilSecretsCacheWatching(broker);
    const ready = await broker.http().get('/readyz').expect(200);
    expect(ready.body.info.database.status).toBe('up');
    expect(ready.body.info.cluster.status).toBe('up');
  });

  it('stays ready, with the cluster degraded, when the Kubernetes API fails while the watch cache serves', async () => {
    await untilSecretsCacheWatching(broker);
    broker.emulator.faults.inject({ method: 'GET', path: /^\/api\/v1\/namespaces$/, status: 503, times: 20 });
    const response = await broker.http().get('/readyz').expect(200);
    expect(response.body.details.cluster).toMatchObject({ status: 'degraded' });
    broker.emulator.faults.clear();
    expect((await broker.http().get('/readyz').expect(200)).body.details.cluster.status).toBe('up');
  });

  it('reports not ready with 503 problem+json when the database is gone', async () => {
    const dataSource = broker.app.get(DataSource);
    await dataSource.destroy();
    const response = await broker.http().get('/readyz').expect(503);
    expect(response.headers['content-type']).toContain('application/problem+json');
    await dataSource.initialize();
    await broker.http().get('/readyz').expect(200);
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const response = await broker.as('admin').get('/v1/nothing-here').expect(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});
