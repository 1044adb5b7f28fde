import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseSweeper } from '../../src/leases/lease-sweeper.js';
import {
  createNamespace,
  createServiceAccount,
  eventually,
  leaseRequest,
  type LeasedTokenBody,
} from '../factories/index.js';
import { postgresBaseUrl } from '../support/database.js';
import { startReplica, type Replica } from '../support/replica.js';
import { useBroker } from '../support/use-broker.js';

describe.skipIf(!postgresBaseUrl())('the lease sweeper across replicas (postgres)', () => {
  const broker = useBroker({ LEASE_MIN_TTL_SECONDS: '1', LEASE_SWEEP_SECONDS: '0.1' });
  const replicas: Replica[] = [];

  beforeAll(async () => {
    replicas.push(await startReplica(broker), await startReplica(broker));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('ends each expired lease exactly once: one owner delete, one audit event, one lifecycle event', async () => {
    const namespace = await createNamespace(broker, 'team-a');
    await createServiceAccount(broker.emulator, namespace, 'app-web');
    const leases: LeasedTokenBody[] = [];
    for (let index = 0; index < 12; index++) {
      const response = await leaseRequest(broker, 'admin', namespace, 'app-web').send({ ttlSeconds: 1 }).expect(201);
      leases.push(response.body as LeasedTokenBody);
    }
    const sweepers = [broker.app, ...replicas.map((replica) => replica.app)].map((app) => app.get(LeaseSweeper));
    // Besides their timers, every replica sweeps at the same moments.
    const racing = setInterval(() => sweepers.forEach((sweeper) => void sweeper.sweepOnce()), 20);
    const dataSource = broker.app.get(DataSource);
    try {
      await eventually(async () => {
        const [row] = await dataSource.query<Array<{ live: string | number }>>(
          "SELECT COUNT(*) AS live FROM leases WHERE state <> 'expired'",
        );
        return Number(row.live) === 0;
      }, 8000);
    } finally {
      clearInterval(racing);
    }

    const deletes = broker.emulator.requests.filter((request) => request.method === 'DELETE');
    const audited = await dataSource.query<Array<{ details: string }>>(
      "SELECT details FROM audit_events WHERE details LIKE '%expire_lease%'",
    );
    const events = await dataSource.query<Array<{ details: string }>>(
      "SELECT details FROM lifecycle_events WHERE type = 'lease.expired'",
    );
    for (const { lease } of leases) {
      expect(deletes.filter((request) => request.path.endsWith(`/secrets/${lease.ownerSecret}`))).toHaveLength(1);
      expect(audited.filter((row) => row.details.includes(lease.id))).toHaveLength(1);
      expect(events.filter((row) => row.details.includes(lease.id))).toHaveLength(1);
    }
  });
});
