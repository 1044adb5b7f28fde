import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GrantCache } from '../../src/grants/grant-cache.js';
import type { Broker } from '../support/broker.js';
import { postgresBaseUrl } from '../support/database.js';
import { createNamespaces } from '../support/kube.js';
import { startReplica, timeUntil, type Replica } from '../support/replica.js';
import { useBroker } from '../support/use-broker.js';

// Changes reach the other replica by LISTEN/NOTIFY: its version check is an hour away.
const PROPAGATION_MS = 1_000;
const LISTENER = 'secrets-broker:grant-changes';

describe.skipIf(!postgresBaseUrl())('grant and role changes reach a second replica (postgres)', () => {
  const broker = useBroker({ CACHE_VERSION_CHECK_SECONDS: '3600' });
  let replica: Replica;

  beforeAll(async () => {
    await createNamespaces(broker.emulator, 'team-a');
    replica = await startReplica(broker);
    await listenersUp(2);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await replica?.close();
  });

  const listSecrets = async (on: { as: Broker['as'] }, sub: string) =>
    (await on.as(sub).get('/v1/namespaces/team-a/secrets')).status;
  const grant = async (sub: string, role = 'reader') =>
    (
      await broker
        .as('admin')
        .post('/v1/grants')
        .send({ subject: `user:${sub}`, role, namespace: 'team-a' })
        .expect(201)
    ).body as { id: string };
  const roleNames = async (on: { as: Broker['as'] }) =>
    ((await on.as('admin').get('/v1/roles').expect(200)).body as Array<{ name: string }>).map((role) => role.name);

  /** Waits until `count` listener connections are in place (after a start or a reconnection). */
  async function listenersUp(count: number): Promise<void> {
    await timeUntil(async () => (await listenerPids()).length === count, 10_000);
  }
  async function listenerPids(): Promise<number[]> {
    const rows = await broker.app
      .get(DataSource)
      .query<Array<{ pid: number }>>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND query LIKE 'LISTEN%'`,
        [LISTENER],
      );
    return rows.map((row) => row.pid);
  }

  it('a grant revoked on one replica stops working on the other within a second', async () => {
    const { id } = await grant('carol');
    await timeUntil(async () => (await listSecrets(replica, 'carol')) === 200, PROPAGATION_MS);
    await broker.as('admin').delete(`/v1/grants/${id}`).expect(200);
    const elapsed = await timeUntil(async () => (await listSecrets(replica, 'carol')) === 403, PROPAGATION_MS);
    expect(elapsed).toBeLessThanOrEqual(PROPAGATION_MS);
  });

  it('a grant made on one replica works on the other within a second, read alone rather than by a reload', async () => {
    const reloads = vi.spyOn(replica.app.get(GrantCache), 'reload');
    expect(await listSecrets(replica, 'dave')).toBe(403);
    await grant('dave');
    const elapsed = await timeUntil(async () => (await listSecrets(replica, 'dave')) === 200, PROPAGATION_MS);
    expect(elapsed).toBeLessThanOrEqual(PROPAGATION_MS);
    expect(reloads).not.toHaveBeenCalled();
    expect(replica.app.get(GrantCache).loadedVersion).toBe(broker.app.get(GrantCache).loadedVersion);
  });

  it('a role created or deleted on one replica is known as such on the other within a second', async () => {
    await broker
      .as('admin')
      .post('/v1/roles')
      .send({ name: 'lister', verbs: ['list'] })
      .expect(201);
    await timeUntil(async () => (await roleNames(replica)).includes('lister'), PROPAGATION_MS);
    // A grant of it made on the replica gives the role's verbs there.
    const made = await replica
      .as('admin')
      .post('/v1/grants')
      .send({ subject: 'user:erin', role: 'lister', namespace: 'team-a' })
      .expect(201);
    expect(await listSecrets(replica, 'erin')).toBe(200);
    await replica
      .as('admin')
      .delete(`/v1/grants/${(made.body as { id: string }).id}`)
      .expect(200);
    await broker.as('admin').delete('/v1/roles/lister').expect(200);
    const elapsed = await timeUntil(async () => !(await roleNames(replica)).includes('lister'), PROPAGATION_MS);
    expect(elapsed).toBeLessThanOrEqual(PROPAGATION_MS);
  });

  it('a change that is rolled back notifies nobody', async () => {
    await broker
      .as('admin')
      .post('/v1/roles')
      .send({ name: 'holder', verbs: ['list'] })
      .expect(201);
    await grant('frank', 'holder');
    await timeUntil(async () => (await listSecrets(replica, 'frank')) === 200, PROPAGATION_MS);
    const cache = replica.app.get(GrantCache);
    const version = cache.loadedVersion;
    const reloads = vi.spyOn(cache, 'reload');
    // In use, so the deletion fails inside its transaction, after the version was bumped.
    await broker.as('admin').delete('/v1/roles/holder').expect(409);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reloads).not.toHaveBeenCalled();
    expect(cache.loadedVersion).toBe(version);
  });

  it('reconnects when its listening connection is lost, and catches up', async () => {
    const before = await listenerPids();
    await broker.app.get(DataSource).query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    await grant('gina');
    await listenersUp(2);
    expect((await listenerPids()).some((pid) => before.includes(pid))).toBe(false);
    await timeUntil(async () => (await listSecrets(replica, 'gina')) === 200, PROPAGATION_MS);
    expect(replica.logLines.some((line) => line.includes('notification connection lost; reconnecting'))).toBe(true);
  });
});
