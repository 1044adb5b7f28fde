import { beforeAll, describe, expect, it } from 'vitest';
import { SecretVersionStore } from '../../src/secrets/secret-version.store.js';
import { createNamespace, createSecret, createUnmanagedSecret } from '../factories/index.js';
import { untilSecretsCacheWatching } from '../support/secrets-cache.js';
import { useBroker } from '../support/use-broker.js';

type VersionRow = { version: number; state: string };
const states = (body: VersionRow[]) => body.map((v) => [v.version, v.state]);

describe('the write path under failures and races', () => {
  const broker = useBroker({ RECONCILE_GRACE_SECONDS: '0' });
  const base = '/v1/namespaces/team-a/secrets';

  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
  });

  it('agrees on states when promotions finish out of order', async () => {
    await createSecret(broker, 'team-a', { name: 'ordered', data: { password: 'one' } });
    const store = broker.app.get(SecretVersionStore);
    const record = await store.findRecord('team-a', 'ordered');
    if (!record) throw new Error('no record');
    const second = await store.addPending(record, {
      values: { password: Buffer.from('two') },
      reason: 'update',
      createdBy: 'user:admin',
    });
    const third = await store.addPending(record, {
      values: { password: Buffer.from('three') },
      reason: 'update',
      createdBy: 'user:admin',
    });
    await store.promote(record, third);
    await store.promote(record, second);
    const versions = await broker.as('admin').get(`${base}/ordered/versions`).expect(200);
    expect(states(versions.body)).toEqual([
      [3, 'current'],
      [2, 'previous'],
      [1, 'deprecated'],
    ]);
    expect((await broker.as('admin').get(`${base}/ordered`).expect(200)).body.currentVersion).toBe(3);
  });

  it('reads the object back after an ambiguous cluster failure, and discards a version that did not land', async () => {
    await createSecret(broker, 'team-a', { name: 'read-back' });
    broker.emulator.faults.inject({ method: 'PUT', path: /\/secrets\/read-back$/, status: 503, times: 1 });
    await broker.as('admin').post(`${base}/read-back/rotate`).send({}).expect(503);
    expect(await broker.app.get(SecretVersionStore).pendingVersions()).toEqual([]);
    const versions = await broker.as('admin').get(`${base}/read-back/versions`).expect(200);
    expect(states(versions.body)).toEqual([[1, 'current']]);
  });

  it('keeps a version pending when even the read-back fails, and the reconciler settles it', async () => {
    await createSecret(broker, 'team-a', { name: 'ambiguous' });
    // The rotation reads the object from the watch cache (which holds the create); after the
    // failed write the read-back must ask the API server, and every such read fails.
    await untilSecretsCacheWatching(broker);
    broker.emulator.faults.inject({ method: 'PUT', path: /\/secrets\/ambiguous$/, status: 503, times: 1 });
    broker.emulator.faults.inject({ method: 'GET', path: /\/secrets\/ambiguous$/, status: 503, times: 10 });
    await broker.as('admin').post(`${base}/ambiguous/rotate`).send({}).expect(503);
    broker.emulator.faults.clear();
    const store = broker.app.get(SecretVersionStore);
    expect((await store.pendingVersions()).map(({ version }) => version.version)).toEqual([2]);

    const restarted = await broker.restart();
    expect(await restarted.app.get(SecretVersionStore).pendingVersions()).toEqual([]);
    const versions = await restarted.as('admin').get(`${base}/ambiguous/versions`).expect(200);
    expect(states(versions.body)).toEqual([[1, 'current']]);
    const reconciled = (
      await restarted.as('admin').get('/v1/audit-events').query({ verb: 'reconcile', name: 'ambiguous' }).expect(200)
    ).body.items;
    expect(reconciled.map((event: { reason: string }) => event.reason).join('\n')).toContain(
      'version 2 never reached the cluster; discarded',
    );
    // A definite refusal discards at once: nothing is left pending.
    broker.emulator.faults.inject({ method: 'PUT', path: /\/secrets\/ambiguous$/, status: 422, times: 1 });
    await restarted.as('admin').post(`${base}/ambiguous/rotate`).send({}).expect(422);
    expect(await restarted.app.get(SecretVersionStore).pendingVersions()).toEqual([]);
  });

  it('keeps a revoke on record when re-creating the name fails', async () => {
    await createSecret(broker, 'team-a', { name: 'revoked-once', data: { password: 'x' } });
    await broker.as('admin').post(`${base}/revoked-once/revoke`).send({ reason: 'leaked' }).expect(200);
    broker.emulator.faults.inject({ method: 'POST', path: /\/namespaces\/team-a\/secrets$/, status: 422, times: 1 });
    await broker
      .as('admin')
      .post(base)
      .send({ name: 'revoked-once', data: { password: 'y' } })
      .expect(422);
    await broker.as('admin').post(`${base}/revoked-once/request`).send({}).expect(410);
    await broker
      .as('admin')
      .post(base)
      .send({ name: 'revoked-once', data: { password: 'z' } })
      .expect(201);
    const versions = await broker.as('admin').get(`${base}/revoked-once/versions`).expect(200);
    expect(states(versions.body)).toEqual([
      [2, 'current'],
      [1, 'previous'],
    ]);
    // Revoking destroyed version 1's values for good; the history keeps only its fingerprints.
    expect(versions.body[1].valuesRetained).toBe(false);
  });

  it('leaves an existing unmanaged secret unmanaged when create conflicts, and If-Match refuses it without adopting', async () => {
    await createUnmanagedSecret(broker, 'team-a', 'outsider', { k: 'v' });
    await broker
      .as('admin')
      .post(base)
      .send({ name: 'outsider', data: { k: 'mine' } })
      .expect(409);
    expect((await broker.as('admin').get(`${base}/outsider`).expect(200)).body).toMatchObject({
      state: 'unmanaged',
      currentVersion: null,
    });
    await broker
      .as('admin')
      .put(`${base}/outsider`)
      .set('If-Match', '1')
      .send({ data: { k: 'mine' } })
      .expect(409);
    expect((await broker.as('admin').get(`${base}/outsider/versions`).expect(200)).body).toEqual([]);
  });

  it('treats inherited property names as ordinary missing keys', async () => {
    await createSecret(broker, 'team-a', { name: 'protokeys' });
    await broker
      .as('admin')
      .post(`${base}/protokeys/request`)
      .send({ keys: ['constructor'] })
      .expect(404);
    await broker
      .as('admin')
      .post(`${base}/protokeys/rotate`)
      .send({ keys: ['toString'] })
      .expect(422);
  });
});
