import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { ManualClock } from '../support/clock.js';
import { createConsumerDeployment, kubeClients } from '../support/kube.js';
import { timeUntil } from '../support/replica.js';
import { useBroker } from '../support/use-broker.js';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

async function restartedDeployments(broker: Broker, namespace: string): Promise<string[]> {
  const listed = await kubeClients(broker.emulator).apps.listNamespacedDeployment({ namespace });
  return listed.items
    .filter((deployment) => deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT])
    .map((deployment) => deployment.metadata?.name ?? '')
    .sort();
}

async function storedBatches(broker: Broker): Promise<number> {
  const [row] = await broker.app
    .get(DataSource)
    .query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM restart_batches');
  return Number(row.n);
}

describe('restart batches survive a restart of the broker that rotated', () => {
  const clock = new ManualClock();
  const broker = useBroker({ ROTATION_TICK_SECONDS: '0.2' }, { clock });

  it('stores the batches after the first, and a broker started afterwards runs the overdue ones', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, {
      name: 'shared',
      generate: { password: { type: 'password' } },
      rotationPolicy: { restartWorkloads: true, restartBatchSize: 1, restartIntervalSeconds: 1 },
    });
    for (const name of ['api', 'web', 'worker'])
      await createConsumerDeployment(broker.emulator, namespace, name, 'shared');

    const rotated = await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'shared')}/rotate`)
      .send({})
      .expect(200);
    expect(rotated.body.restarted).toHaveLength(1);
    expect(await storedBatches(broker)).toBe(2);

    // Stopped before the second batch was due: its timer dies with the process, the rows do not.
    // Both batches fall due while it is down.
    await broker.restart(() => {
      clock.advance(2_500);
      return Promise.resolve();
    });
    await timeUntil(async () => (await restartedDeployments(broker, namespace)).length === 3, 5_000, 100);
    expect(await restartedDeployments(broker, namespace)).toEqual(['api', 'web', 'worker']);
    await timeUntil(async () => (await storedBatches(broker)) === 0, 2_000, 100);
  });
});
