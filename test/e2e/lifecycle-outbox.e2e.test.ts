import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { createNamespace, createSecret, createUnmanagedSecret, secretsPath } from '../factories/index.js';
import { useBroker } from '../support/use-broker.js';

interface OutboxRow {
  type: string;
  name: string;
  version: number | null;
  subject: string;
  details: string | null;
}

/** Every change to a secret leaves its lifecycle event in the outbox, in the same transaction. */
describe('the lifecycle outbox', () => {
  const broker = useBroker();

  const eventsOf = async (namespace: string): Promise<OutboxRow[]> =>
    (
      await broker.app
        .get(DataSource)
        .query<OutboxRow[]>(
          `SELECT type, name, version, subject, details FROM lifecycle_events WHERE namespace = '${namespace}' ORDER BY sequence`,
        )
    ).map((row) => ({ ...row, version: row.version === null ? null : Number(row.version) }));

  it('records create, update, rotate, rollback and revoke, with who and which version, never a value', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db-main', data: { password: 'first-value-canary' } });
    const admin = broker.as('admin');
    await admin
      .put(secretsPath(namespace, 'db-main'))
      .send({ data: { password: 'second-value-canary' } })
      .expect(200);
    await admin
      .post(`${secretsPath(namespace, 'db-main')}/rotate`)
      .send({ generate: { password: { type: 'password' } } })
      .expect(200);
    await admin
      .post(`${secretsPath(namespace, 'db-main')}/rollback`)
      .send({ version: 1 })
      .expect(200);
    await admin
      .post(`${secretsPath(namespace, 'db-main')}/revoke`)
      .send({ reason: 'leaked' })
      .expect(200);
    const events = await eventsOf(namespace);
    expect(events.map((event) => [event.type, event.version])).toEqual([
      ['secret.created', 1],
      ['secret.updated', 2],
      ['secret.rotated', 3],
      ['secret.rolled_back', 4],
      ['secret.revoked', null],
    ]);
    expect(events.every((event) => event.subject === 'user:admin')).toBe(true);
    expect(JSON.parse(events[3].details ?? '{}')).toEqual({ sourceVersion: 1 });
    expect(JSON.stringify(events)).not.toMatch(/value-canary/);
  });

  it('records nothing for a change that did not happen', async () => {
    const namespace = await createNamespace(broker);
    await createUnmanagedSecret(broker, namespace, 'taken', { password: 'x' });
    await broker
      .as('admin')
      .post(secretsPath(namespace))
      .send({ name: 'taken', data: { password: 'y' } })
      .expect(409);
    broker.emulator.faults.inject({
      method: 'PUT',
      path: new RegExp(`/namespaces/${namespace}/secrets/db$`),
      status: 422,
    });
    await createSecret(broker, namespace, { name: 'db' });
    await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db')}/rotate`)
      .send({})
      .expect(422);
    expect((await eventsOf(namespace)).map((event) => event.type)).toEqual(['secret.created']);
  });
});
