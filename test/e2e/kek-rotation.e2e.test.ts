import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { kekIdOf } from '../../src/crypto/key-ring.js';
import { KekRewrapService, KEK_REWRAP_SUBJECT } from '../../src/secrets/kek-rewrap.service.js';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import type { TestBroker } from '../support/broker.js';
import { startFlakyReceiver } from '../support/flaky-receiver.js';
import { withBroker } from '../support/use-broker.js';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
// Enough retained versions that rolling back to each (every rollback adds a version) drops none.
const RETAINED = { RETAINED_VERSIONS: '10' };
const ONLY_A = { ...RETAINED, ENCRYPTION_KEYS: `key-a:${KEY_A}` };
const A_AND_B = { ...RETAINED, ENCRYPTION_KEYS: `key-a:${KEY_A},key-b:${KEY_B}`, ENCRYPTION_KEY_ACTIVE: 'key-b' };
const ONLY_B = { ...RETAINED, ENCRYPTION_KEYS: `key-b:${KEY_B}` };
const SECRETS = ['db-1', 'db-2', 'db-3'];

interface VersionBody {
  version: number;
  state: string;
  valuesRetained: boolean;
}

/** Secrets with three versions each (two retained beside the current one), all under key A. */
async function secretsWithHistory(broker: TestBroker, namespace: string): Promise<void> {
  for (const name of SECRETS) {
    await createSecret(broker, namespace, { name, data: { password: `${name}-v1` } });
    for (const version of [2, 3]) {
      await broker
        .as('admin')
        .put(secretsPath(namespace, name))
        .send({ data: { password: `${name}-v${version}` } })
        .expect(200);
    }
  }
}

async function kekIdsInUse(broker: TestBroker): Promise<string[]> {
  const rows = await broker.app
    .get(DataSource)
    .query<Array<{ kek_id: string }>>('SELECT DISTINCT kek_id FROM secret_versions WHERE kek_id IS NOT NULL');
  return rows.map((row) => row.kek_id).sort();
}

/** Reads of every secret and writes and rollbacks of another, concurrently with a re-wrap; the status of each. */
async function trafficDuringRewrap(broker: TestBroker, namespace: string): Promise<number[]> {
  const statuses: number[] = [];
  const busy = secretsPath(namespace, 'busy');
  for (let round = 0; round < 4; round++) {
    const answers = await Promise.all([
      ...SECRETS.map((name) =>
        broker
          .as('admin')
          .post(`${secretsPath(namespace, name)}/request`)
          .send({}),
      ),
      broker
        .as('admin')
        .put(busy)
        .send({ data: { password: `busy-${round}` } }),
    ]);
    statuses.push(...answers.map((answer) => answer.status));
    statuses.push((await broker.as('admin').post(`${busy}/rollback`).send({ version: 1 })).status);
  }
  return statuses;
}

async function signingSecretKekIds(broker: TestBroker): Promise<string[]> {
  const rows = await broker.app
    .get(DataSource)
    .query<Array<{ signing_secret: string }>>('SELECT signing_secret FROM webhook_subscriptions');
  return [...new Set(rows.map((row) => (JSON.parse(row.signing_secret) as { kekId: string }).kekId))].sort();
}

// The receiver is plain http:// on this machine: accepted in development behaviour only.
const FAST_DELIVERY = { NODE_ENV: 'development', WEBHOOK_DISPATCH_SECONDS: '0.1', WEBHOOK_TICK_SECONDS: '0.1' };
const kekId = (key: string) => kekIdOf(Buffer.from(key, 'base64'));

const rewrap = (broker: TestBroker, onBatch?: () => void) =>
  broker.app.get(KekRewrapService).run({ batchSize: 2, onBatch });

describe('key-encryption key rotation', () => {
  it('re-wraps every retained version under the new key, resumably, so the old key can be removed', async () => {
    await withBroker(ONLY_A, async (broker) => {
      const namespace = await createNamespace(broker);
      await secretsWithHistory(broker, namespace);
      expect(await kekIdsInUse(broker)).toEqual([kekIdOf(Buffer.from(KEY_A, 'base64'))]);

      await broker.restart(undefined, A_AND_B);
      // Written under the active key B from now on; the old versions are still readable under A.
      await broker
        .as('admin')
        .put(secretsPath(namespace, 'db-1'))
        .send({ data: { password: 'db-1-v4' } })
        .expect(200);
      expect((await kekIdsInUse(broker)).length).toBe(2);
      await createSecret(broker, namespace, { name: 'busy', data: { password: 'busy-first' } });

      // The first run is stopped after one batch, as a killed process would be.
      let batches = 0;
      await expect(
        rewrap(broker, () => {
          if (++batches === 1) throw new Error('killed');
        }),
      ).rejects.toThrow('killed');
      expect((await kekIdsInUse(broker)).length).toBe(2);
      // The rerun goes on while callers read and write: every request is answered.
      const [rerun, statuses] = await Promise.all([
        broker.app.get(KekRewrapService).run({ batchSize: 1 }),
        trafficDuringRewrap(broker, namespace),
      ]);
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(rerun.rewrapped).toBeGreaterThan(0);
      expect(rerun.derivationRootRewrapped).toBe(false);
      expect(await kekIdsInUse(broker)).toEqual([kekIdOf(Buffer.from(KEY_B, 'base64'))]);
      expect(await rewrap(broker)).toEqual({ batches: 0, rewrapped: 0, skipped: 0, derivationRootRewrapped: false });

      const audited = await broker.as('admin').get('/v1/audit-events').query({ verb: 'rewrap' }).expect(200);
      expect(audited.body.items.length).toBeGreaterThanOrEqual(2);
      expect(audited.body.items.every((event: { subject: string }) => event.subject === KEK_REWRAP_SUBJECT)).toBe(true);

      await broker.restart(undefined, ONLY_B);
      for (const name of SECRETS) {
        const base = secretsPath(namespace, name);
        const versions = (await broker.as('admin').get(`${base}/versions`).expect(200)).body as VersionBody[];
        const retained = versions.filter((version) => version.state !== 'current' && version.valuesRetained);
        expect(retained.length).toBeGreaterThanOrEqual(2);
        for (const { version } of retained) {
          await broker.as('admin').post(`${base}/rollback`).send({ version }).expect(200);
          const values = await broker.as('admin').post(`${base}/request`).send({}).expect(200);
          expect(values.body.values[0].value).toBe(
            name === 'db-1' && version === 4 ? 'db-1-v4' : `${name}-v${version}`,
          );
        }
      }
      // The audit chain, linked with keys derived from the first key, still verifies without it.
      const verification = await broker.as('admin').get('/v1/audit-events/verify').expect(200);
      expect(verification.body).toMatchObject({ ok: true, findings: [] });
    });
  });

  it('re-wraps webhook signing secrets too: a subscription made under the old key still signs after its removal', async () => {
    const receiver = await startFlakyReceiver(0);
    try {
      await withBroker({ ...ONLY_A, ...FAST_DELIVERY }, async (broker) => {
        const namespace = await createNamespace(broker);
        const webhook = await broker
          .as('admin')
          .post('/v1/webhooks')
          .send({ url: receiver.url, eventTypes: ['secret.rotated'], namespace, namePattern: 'db-*' })
          .expect(201);
        expect(await signingSecretKekIds(broker)).toEqual([kekId(KEY_A)]);

        await broker.restart(undefined, { ...A_AND_B, ...FAST_DELIVERY });
        const summary = await rewrap(broker);
        expect(summary.rewrapped).toBeGreaterThanOrEqual(1);
        expect(await signingSecretKekIds(broker)).toEqual([kekId(KEY_B)]);

        await broker.restart(undefined, { ...ONLY_B, ...FAST_DELIVERY });
        await createSecret(broker, namespace, { name: 'db-1', data: { password: 'db-1-v1' } });
        await broker
          .as('admin')
          .post(`${secretsPath(namespace, 'db-1')}/rotate`)
          .send({ generate: { password: { type: 'password' } } })
          .expect(200);
        await receiver.waitFor(1);
        const [delivery] = receiver.requests;
        const verifier = new Webhook(webhook.body.signingSecret as string);
        expect(verifier.verify(delivery.body, delivery.headers as Record<string, string>)).toMatchObject({
          type: 'secret.rotated',
          data: { namespace, name: 'db-1' },
        });
      });
    } finally {
      await receiver.close();
    }
  });

  it('refuses to start without a key that stored data keys are still wrapped by', async () => {
    await withBroker(ONLY_A, async (broker) => {
      const namespace = await createNamespace(broker);
      await secretsWithHistory(broker, namespace);
      // Named as the operator configured it, with the id stored beside the data.
      await expect(broker.restart(undefined, ONLY_B)).rejects.toThrow(
        `key-encryption key key-a (stored id ${kekId(KEY_A)}), which is not configured`,
      );
    });
    // The derivation root already re-wrapped, the data keys not yet: still refused, naming the key.
    await withBroker(ONLY_A, async (broker) => {
      const namespace = await createNamespace(broker);
      await secretsWithHistory(broker, namespace);
      await broker.restart(undefined, A_AND_B);
      await expect(
        rewrap(broker, () => {
          throw new Error('killed');
        }),
      ).rejects.toThrow('killed');
      await expect(broker.restart(undefined, ONLY_B)).rejects.toThrow(
        `key-encryption key key-a (stored id ${kekIdOf(Buffer.from(KEY_A, 'base64'))}), which is not configured`,
      );
    });
    // The run stopped after the secret versions: only a webhook signing secret is left under the missing key.
    await withBroker(ONLY_A, async (broker) => {
      const namespace = await createNamespace(broker);
      await createSecret(broker, namespace, { name: 'db-1', data: { password: 'db-1-v1' } });
      await broker
        .as('admin')
        .post('/v1/webhooks')
        .send({ url: 'https://hooks.example.com/broker', eventTypes: ['secret.rotated'], namespace })
        .expect(201);
      await broker.restart(undefined, A_AND_B);
      await expect(
        rewrap(broker, () => {
          throw new Error('killed');
        }),
      ).rejects.toThrow('killed');
      expect(await kekIdsInUse(broker)).not.toContain(kekId(KEY_A));
      expect(await signingSecretKekIds(broker)).toEqual([kekId(KEY_A)]);
      await expect(broker.restart(undefined, ONLY_B)).rejects.toThrow(
        `key-encryption key key-a (stored id ${kekId(KEY_A)}), which is not configured`,
      );
    });
  });
});
