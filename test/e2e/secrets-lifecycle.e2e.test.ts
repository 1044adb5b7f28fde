import { describe, expect, it } from 'vitest';
import {
  createNamespace,
  createRole,
  createSecret,
  createUnmanagedSecret,
  grantRole,
  secretsPath,
  type SecretValuesBody,
} from '../factories/index.js';
import { kubeClients } from '../support/kube.js';
import { useBroker } from '../support/use-broker.js';

const valueOf = (body: SecretValuesBody, key = 'password') => body.values.find((item) => item.key === key)?.value;

describe('secret lifecycle over REST against the emulator', () => {
  const broker = useBroker();

  const request = async (namespace: string, name = 'db-main') => {
    const response = await broker
      .as('admin')
      .post(`${secretsPath(namespace, name)}/request`)
      .send({ reason: 'deploy' })
      .expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    return response.body as SecretValuesBody;
  };

  it('create → request → rotate → rollback → revoke', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    const created = await broker
      .as('admin')
      .post(base)
      .send({
        name: 'db-main',
        generate: { password: { type: 'password', length: 24 } },
        labels: { tier: 'db' },
        reason: 'new database',
      })
      .expect(201);
    expect(created.body.version).toMatchObject({
      version: 1,
      state: 'current',
      reason: 'create',
      note: 'new database',
    });
    expect(created.body.secret).toMatchObject({
      namespace,
      name: 'db-main',
      keys: ['password'],
      state: 'active',
      currentVersion: 1,
    });
    expect(created.body.secret.labels).toMatchObject({ tier: 'db', 'app.kubernetes.io/managed-by': 'secrets-broker' });

    const first = await request(namespace);
    expect(first.version).toBe(1);
    const original = valueOf(first);
    expect(original).toHaveLength(24);

    const { core } = kubeClients(broker.emulator);
    const inCluster = await core.readNamespacedSecret({ name: 'db-main', namespace });
    expect(Buffer.from(inCluster.data?.password ?? '', 'base64').toString()).toBe(original);

    const rotated = await broker.as('admin').post(`${base}/db-main/rotate`).send({ reason: 'scheduled' }).expect(200);
    expect(rotated.body.version).toMatchObject({ version: 2, state: 'current', reason: 'rotate' });
    expect(rotated.body.values).toBeUndefined();
    const second = await request(namespace);
    expect(second.version).toBe(2);
    expect(valueOf(second)).not.toBe(original);

    const afterRotate = await broker.as('admin').get(`${base}/db-main/versions`).expect(200);
    expect(afterRotate.body.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
      [2, 'current'],
      [1, 'previous'],
    ]);

    const rolledBack = await broker
      .as('admin')
      .post(`${base}/db-main/rollback`)
      .send({ version: 1, reason: 'bad rotation' })
      .expect(200);
    expect(rolledBack.body.version).toMatchObject({ version: 3, reason: 'rollback', sourceVersion: 1 });
    const third = await request(namespace);
    expect(valueOf(third)).toBe(original);
    expect(third.version).toBe(3);

    const revoked = await broker.as('admin').post(`${base}/db-main/revoke`).send({ reason: 'leaked' }).expect(200);
    expect(revoked.body.state).toBe('revoked');
    await expect(core.readNamespacedSecret({ name: 'db-main', namespace })).rejects.toMatchObject({
      code: 404,
    });
    const gone = await broker.as('admin').post(`${base}/db-main/request`).send({}).expect(410);
    expect(gone.headers['content-type']).toContain('application/problem+json');
    await broker.as('admin').get(`${base}/db-main`).expect(410);

    const history = await broker.as('admin').get(`${base}/db-main/versions`).expect(200);
    expect(history.body.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(history.body.every((v: { valuesRetained: boolean }) => !v.valuesRetained)).toBe(true);
  });

  it('keeps values only for the configured number of non-current versions', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await createSecret(broker, namespace, {
      name: 'api-key',
      generate: { token: { type: 'bytes', length: 16, encoding: 'hex' } },
    });
    for (let i = 0; i < 3; i++) await broker.as('admin').post(`${base}/api-key/rotate`).send({}).expect(200);
    const versions = await broker.as('admin').get(`${base}/api-key/versions`).expect(200);
    expect(
      versions.body.map((v: { version: number; state: string; valuesRetained: boolean }) => [
        v.version,
        v.state,
        v.valuesRetained,
      ]),
    ).toEqual([
      [4, 'current', true],
      [3, 'previous', true],
      [2, 'deprecated', true],
      [1, 'deprecated', false],
    ]);
    const refused = await broker.as('admin').post(`${base}/api-key/rollback`).send({ version: 1 }).expect(422);
    expect(refused.body.detail).toContain('no longer retained');
    await broker.as('admin').post(`${base}/api-key/rollback`).send({ version: 4 }).expect(409);
    await broker.as('admin').post(`${base}/api-key/rollback`).send({ version: 99 }).expect(404);
  });

  it('adopts a secret created outside the broker on its first write', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await createUnmanagedSecret(broker, namespace, 'legacy', { password: 'hand-made' });
    const before = await broker.as('admin').get(`${base}/legacy`).expect(200);
    expect(before.body).toMatchObject({ state: 'unmanaged', currentVersion: null });
    expect((await request(namespace, 'legacy')).version).toBeNull();

    await broker
      .as('admin')
      .put(`${base}/legacy`)
      .send({ data: { password: 'set-by-broker' } })
      .expect(200);
    const versions = await broker.as('admin').get(`${base}/legacy/versions`).expect(200);
    expect(
      versions.body.map((v: { version: number; reason: string; state: string }) => [v.version, v.reason, v.state]),
    ).toEqual([
      [2, 'update', 'current'],
      [1, 'adopt', 'previous'],
    ]);
    const rolledBack = await broker.as('admin').post(`${base}/legacy/rollback`).send({ version: 1 }).expect(200);
    expect(rolledBack.body.secret.labels['app.kubernetes.io/managed-by']).toBe('secrets-broker');
    expect(valueOf(await request(namespace, 'legacy'))).toBe('hand-made');
  });

  it('updates with If-Match optimistic concurrency', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await createSecret(broker, namespace, { name: 'smtp', data: { password: 'one' } });
    await broker
      .as('admin')
      .put(`${base}/smtp`)
      .set('If-Match', '"1"')
      .send({ data: { password: 'two' } })
      .expect(200);
    const stale = await broker
      .as('admin')
      .put(`${base}/smtp`)
      .set('If-Match', '1')
      .send({ data: { password: 'three' } })
      .expect(409);
    expect(stale.body.detail).toContain('version 2');
    await broker
      .as('admin')
      .put(`${base}/smtp`)
      .set('If-Match', 'soon')
      .send({ data: { password: 'x' } })
      .expect(400);
    expect(valueOf(await request(namespace, 'smtp'))).toBe('two');
  });

  it('returns rotated values only to a caller who may also read', async () => {
    const namespace = await createNamespace(broker);
    const base = secretsPath(namespace);
    await grantRole(broker, { subject: 'user:robot', role: 'rotator', namespace });
    const rotateOnly = await createRole(broker, { name: 'rotate-only', verbs: ['rotate'] });
    await grantRole(broker, { subject: 'user:blind', role: rotateOnly.name, namespace });
    await createSecret(broker, namespace, { name: 'svc-token', generate: { token: { type: 'uuid' } } });
    const withValues = await broker
      .as('robot')
      .post(`${base}/svc-token/rotate`)
      .send({ returnValues: true })
      .expect(200);
    expect(withValues.headers['cache-control']).toBe('no-store');
    expect(withValues.body.values[0].value).toMatch(/^[0-9a-f-]{36}$/);
    await broker.as('blind').post(`${base}/svc-token/rotate`).send({ returnValues: true }).expect(403);
    await broker.as('blind').post(`${base}/svc-token/rotate`).send({}).expect(200);
  });

  it('lists names, keys and versions filtered by label and by grant', async () => {
    const [namespace, elsewhere] = [await createNamespace(broker), await createNamespace(broker)];
    const base = secretsPath(namespace);
    await createSecret(broker, namespace, { name: 'api-key' });
    await createSecret(broker, namespace, { name: 'smtp', data: { password: 'one' } });
    await createSecret(broker, namespace, { name: 'svc-token', generate: { token: { type: 'uuid' } } });
    await createUnmanagedSecret(broker, namespace, 'legacy', { password: 'hand-made' });
    await broker
      .as('admin')
      .put(`${base}/legacy`)
      .send({ data: { password: 'set-by-broker' } })
      .expect(200);
    await grantRole(broker, { subject: 'user:lister', role: 'reader', namespace, namePattern: 'smtp*' });
    const all = await broker
      .as('admin')
      .get(base)
      .query({ labelSelector: 'app.kubernetes.io/managed-by=secrets-broker' })
      .expect(200);
    expect(all.body.items.map((item: { name: string }) => item.name).sort()).toEqual([
      'api-key',
      'legacy',
      'smtp',
      'svc-token',
    ]);
    expect(JSON.stringify(all.body)).not.toContain('"values"');
    const filtered = await broker.as('lister').get(base).expect(200);
    expect(filtered.body.items.map((item: { name: string }) => item.name)).toEqual(['smtp']);
    const paged = await broker.as('admin').get(base).query({ limit: 2 }).expect(200);
    expect(paged.body.items).toHaveLength(2);
    expect(paged.body.continue).toBeTruthy();
    await broker.as('lister').get(secretsPath(elsewhere)).expect(403);
  });
});
