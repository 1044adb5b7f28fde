import { describe, expect, it } from 'vitest';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import { useBroker } from '../support/use-broker.js';

describe('ETags are secret versions', () => {
  const broker = useBroker();

  it('sends ETag "<version>" on secret reads and writes, and If-Match takes it back', async () => {
    const namespace = await createNamespace(broker);
    const path = secretsPath(namespace, 'db-main');
    const created = await broker
      .as('admin')
      .post(secretsPath(namespace))
      .send({ name: 'db-main', generate: { password: { type: 'password' } } })
      .expect(201);
    expect(created.headers.etag).toBe('"1"');
    expect((await broker.as('admin').get(path).expect(200)).headers.etag).toBe('"1"');
    expect((await broker.as('admin').post(`${path}/request`).send({}).expect(200)).headers.etag).toBe('"1"');

    const rotated = await broker.as('admin').post(`${path}/rotate`).send({}).expect(200);
    expect(rotated.headers.etag).toBe('"2"');
    const updated = await broker
      .as('admin')
      .put(path)
      .set('If-Match', rotated.headers.etag)
      .send({ data: { password: 'three' } })
      .expect(200);
    expect(updated.headers.etag).toBe('"3"');
    const rolledBack = await broker.as('admin').post(`${path}/rollback`).send({ version: 1 }).expect(200);
    expect(rolledBack.headers.etag).toBe('"4"');
    // The bare version, as the API has always taken it, still works.
    await broker
      .as('admin')
      .put(path)
      .set('If-Match', '4')
      .send({ data: { password: 'five' } })
      .expect(200);
  });

  it('refuses a stale If-Match with 409 and a malformed one with 400, changing nothing', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'api-key', data: { key: 'one' } });
    const path = secretsPath(namespace, 'api-key');
    const stale = await broker
      .as('admin')
      .put(path)
      .set('If-Match', '"7"')
      .send({ data: { key: 'two' } });
    expect(stale.status).toBe(409);
    for (const malformed of ['W/"1"', '*', 'soon', '"1", "2"']) {
      const response = await broker
        .as('admin')
        .put(path)
        .set('If-Match', malformed)
        .send({ data: { key: 'two' } });
      expect(response.status, malformed).toBe(400);
    }
    expect((await broker.as('admin').get(path).expect(200)).headers.etag).toBe('"1"');
  });

  it('sends no ETag anywhere else', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'listed' });
    const paths = [
      '/healthz',
      '/readyz',
      '/metrics',
      '/v1/whoami',
      '/v1/grants',
      '/v1/roles',
      secretsPath(namespace),
      `${secretsPath(namespace, 'listed')}/versions`,
      `${secretsPath(namespace, 'listed')}/consumers`,
      '/v1/audit-events',
    ];
    for (const path of paths) {
      const response = await broker.as('admin').get(path);
      expect(response.status, path).toBeLessThan(300);
      expect(response.headers.etag, path).toBeUndefined();
    }
    const graphql = await broker.as('admin').post('/graphql').send({ query: '{ whoami { subject } }' });
    expect(graphql.headers.etag).toBeUndefined();
  });
});
