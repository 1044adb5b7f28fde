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
  // Twelve leases of one subject, above the default cap on live leases.
  const broker = useBroker({ LEASE_SWEEP_SECONDS: '0.1', LEASE_MAX_ACTIVE_PER_SUBJECT: '20' });
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
      const response = await leaseRequest(broker, 'admin', namespace, 'app-web').send({ ttlSeconds: 60 }).expect(201);
      leases.push(response.body as LeasedTokenBody);
    }
    const dataSource = broker.app.get(DataSource);
    // All of them expire at once, rather than while a slow machine is still issuing the others.
    await dataSource.query("UPDATE leases SET expires_at = now() - interval '1 second'");
    const sweepers = [broker.app, ...replicas.map((replica) => replica.app)].map((app) => app.get(LeaseSweeper));
    // Besides their timers, every replica sweeps at the same moments.
    const racing = setInterval(() => sweepers.forEach((sweeper) => void sweeper.sweepOnce()), 20);
    try {
      await eventually(async () => {
        // The expiry's audit event follows its state change.
        const [row] = await dataSource.query<Array<{ live: string | number; audited: string | number }>>(
          "SELECT (SELECT COUNT(*) FROM leases WHERE state <> 'expired') AS live, (SELECT COUNT(*) FROM audit_events WHERE details LIKE '%expire_lease%') AS audited",
        );
        return Number(row.live) === 0 && Number(row.audited) >= leases.length;
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
