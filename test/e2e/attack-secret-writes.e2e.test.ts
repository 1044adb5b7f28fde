import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createRole, createSecret, createUnmanagedSecret, grantRole } from '../factories/index.js';
import { DerivedKeys } from '../../src/crypto/derived-keys.js';
import { kubeClients } from '../support/kube.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const base = '/v1/namespaces/team-a/secrets';

/** Secret writes that fail half-way, and what they leave behind. */
describe('secret writes under failure', () => {
  const broker = useBroker();

  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
  });

  describe('a failed create leaves nothing behind', () => {
    it('planting a rotation policy on an existing secret the broker does not manage: 409, no record', async () => {
      const creator = await createRole(broker, { name: 'creator', verbs: ['create'] });
      await grantRole(broker, {
        subject: 'user:creator',
        role: creator.name,
        namespace: 'team-a',
        namePattern: 'legacy',
      });
      await createUnmanagedSecret(broker, 'team-a', 'legacy', { password: 'owned-by-someone-else' });
      const before = await captureState(broker);
      await broker
        .as('creator')
        .post(base)
        .send({
          name: 'legacy',
          data: { password: 'attacker-chosen' },
          rotationPolicy: {
            generators: { password: { type: 'password' } },
          },
        })
        .expect(409);
      await expectUnchanged(broker, before, { allowDecisions: true });
      expect((await broker.as('admin').get(`${base}/legacy`).expect(200)).body.state).toBe('unmanaged');
    });

    it('a cluster error on create: no record, no version', async () => {
      broker.emulator.faults.inject({ method: 'POST', path: /\/namespaces\/team-a\/secrets$/, status: 500 });
      const before = await captureState(broker);
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-new', generate: { password: { type: 'password' } } })
        .expect(503);
      await expectUnchanged(broker, before, { allowDecisions: true });
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-new', generate: { password: { type: 'password' } } })
        .expect(201);
    });
  });

  describe('a revoke that fails half-way leaves the secret fully revoked or untouched', () => {
    const failWhenSecretBecomes = async (state: string): Promise<() => Promise<void>> => {
      const dataSource = broker.app.get(DataSource);
      if (broker.database.kind === 'postgres') {
        await dataSource.query(
          `CREATE FUNCTION fail_${state}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected database failure'; END $$ LANGUAGE plpgsql`,
        );
        await dataSource.query(
          `CREATE TRIGGER fail_${state} BEFORE UPDATE ON secrets FOR EACH ROW WHEN (NEW.state = '${state}') EXECUTE FUNCTION fail_${state}()`,
        );
        return async () => {
          await dataSource.query(`DROP TRIGGER fail_${state} ON secrets`);
          await dataSource.query(`DROP FUNCTION fail_${state}()`);
        };
      }
      await dataSource.query(
        `CREATE TRIGGER fail_${state} BEFORE UPDATE ON secrets FOR EACH ROW WHEN NEW.state = '${state}' BEGIN SELECT RAISE(ABORT, 'injected database failure'); END`,
      );
      return async () => void (await dataSource.query(`DROP TRIGGER fail_${state}`));
    };

    it('the cluster refuses the delete: untouched', async () => {
      await createSecret(broker, 'team-a', { name: 'db-refused' });
      broker.emulator.faults.inject({ method: 'DELETE', path: /\/secrets\/db-refused$/, status: 403 });
      const before = await captureState(broker);
      await broker.as('admin').post(`${base}/db-refused/revoke`).send({ reason: 'leaked' }).expect(502);
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('the answer to the delete is lost but the object stayed: untouched after the next access', async () => {
      await createSecret(broker, 'team-a', { name: 'db-lost' });
      broker.emulator.faults.inject({ method: 'DELETE', path: /\/secrets\/db-lost$/, status: 503 });
      const before = await captureState(broker);
      await broker.as('admin').post(`${base}/db-lost/revoke`).send({ reason: 'leaked' }).expect(503);
      expect((await broker.as('admin').get(`${base}/db-lost`).expect(200)).body.state).toBe('active');
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('the database fails before the delete: untouched', async () => {
      await createSecret(broker, 'team-a', { name: 'db-early' });

      const restore = await failWhenSecretBecomes('revoking');
      const before = await captureState(broker);
      try {
        await broker.as('admin').post(`${base}/db-early/revoke`).send({ reason: 'leaked' }).expect(500);
      } finally {
        await restore();
      }
      await expectUnchanged(broker, before, { allowDecisions: true });
    });

    it('the database fails after the delete: fully revoked once it recovers, never rolled back', async () => {
      const created = await createSecret(broker, 'team-a', {
        name: 'db-late',
        data: { password: 'first-value-canary' },
      });
      await broker
        .as('admin')
        .post(`${base}/db-late/rotate`)
        .send({ generate: { password: { type: 'password' } } })
        .expect(200);
      const restore = await failWhenSecretBecomes('revoked');
      try {
        const failed = await broker.as('admin').post(`${base}/db-late/revoke`).send({ reason: 'leaked' }).expect(500);
        expect(JSON.stringify(failed.body)).not.toContain('first-value-canary');
        await expect(
          kubeClients(broker.emulator).core.readNamespacedSecret({ name: 'db-late', namespace: 'team-a' }),
        ).rejects.toMatchObject({ code: 404 });
        // While the database still fails, nothing can bring the old value back.
        const rollback = await broker
          .as('admin')
          .post(`${base}/db-late/rollback`)
          .send({ version: created.version.version });
        expect(rollback.status).toBeGreaterThanOrEqual(500);
        expect(JSON.stringify(rollback.body)).not.toContain('first-value-canary');
      } finally {
        await restore();
      }
      await broker.as('admin').post(`${base}/db-late/request`).send({}).expect(410);
      await broker.as('admin').post(`${base}/db-late/rollback`).send({ version: 1 }).expect(410);
      const versions = await broker.as('admin').get(`${base}/db-late/versions`).expect(200);
      expect(versions.body.map((version: { valuesRetained: boolean }) => version.valuesRetained)).toEqual([
        false,
        false,
      ]);
      // Re-creating the name starts afresh: the old versions' values are gone for good.
      await broker
        .as('admin')
        .post(base)
        .send({ name: 'db-late', data: { password: 'new' } })
        .expect(201);
      await broker.as('admin').post(`${base}/db-late/rollback`).send({ version: 1 }).expect(422);
    });
  });

  describe('fingerprints are per secret', () => {
    it('differ for the same value in two secrets and match across versions of one', async () => {
      await createSecret(broker, 'team-a', { name: 'fp-a', data: { password: 'same-value' } });
      await createSecret(broker, 'team-a', { name: 'fp-b', data: { password: 'same-value' } });
      const fingerprint = async (name: string, version = 0) =>
        (await broker.as('admin').get(`${base}/${name}/versions`).expect(200)).body.at(version).fingerprints[0]
          .fingerprint;
      expect(await fingerprint('fp-a')).not.toBe(await fingerprint('fp-b'));
      await broker
        .as('admin')
        .put(`${base}/fp-a`)
        .send({ data: { password: 'other-value' } })
        .expect(200);
      await broker.as('admin').post(`${base}/fp-a/rollback`).send({ version: 1 }).expect(200);
      expect(await fingerprint('fp-a', 0)).toBe(await fingerprint('fp-a', 2));
      expect(await fingerprint('fp-a', 1)).not.toBe(await fingerprint('fp-a', 0));
    });

    it('re-keys fingerprints of the old broker-wide scheme at start', async () => {
      await createSecret(broker, 'team-a', { name: 'fp-legacy', data: { password: 'legacy-value' } });

      const [current] = (await broker.as('admin').get(`${base}/fp-legacy/versions`).expect(200)).body;
      // The broker-wide key of the old scheme: keyed by the derivation root, as an upgraded broker's was.
      const brokerWideKey = broker.app.get(DerivedKeys).key('fingerprint');
      const legacy = createHmac('sha256', brokerWideKey)
        .update('password')
        .update('\0')
        .update('legacy-value')
        .digest('hex');
      await broker.app
        .get(DataSource)
        .query(
          `UPDATE secret_versions SET fingerprints = '${JSON.stringify({ password: legacy })}', fingerprint_scheme = 1 WHERE secret_id = (SELECT id FROM secrets WHERE name = 'fp-legacy')`,
        );
      await broker.restart();
      const [upgraded] = (await broker.as('admin').get(`${base}/fp-legacy/versions`).expect(200)).body;
      expect(upgraded.fingerprints).toEqual(current.fingerprints);
    });
  });
});
