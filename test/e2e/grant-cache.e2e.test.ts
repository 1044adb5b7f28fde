import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GrantCache } from '../../src/grants/grant-cache.js';
import { GrantChangeListener } from '../../src/grants/grant-cache-sync.js';
import { ManualClock } from '../support/clock.js';
import { postgresBaseUrl } from '../support/database.js';
import { createNamespaces } from '../support/kube.js';
import { startReplica, timeUntil, type Replica } from '../support/replica.js';
import { useBroker } from '../support/use-broker.js';

const kind = postgresBaseUrl() ? 'postgres' : 'sqlite';

describe(`grants decided from memory (${kind})`, () => {
  // No periodic reload during these tests: whatever changes, changes without one.
  const clock = new ManualClock();
  const broker = useBroker({ CACHE_VERSION_CHECK_SECONDS: '3600' }, { clock });
  let cache: GrantCache;

  beforeAll(async () => {
    await createNamespaces(broker.emulator, 'team-a');
    cache = broker.app.get(GrantCache);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const listSecrets = async (sub: string) => (await broker.as(sub).get('/v1/namespaces/team-a/secrets')).status;
  const grant = async (sub: string, expiresAt?: Date) =>
    (
      await broker
        .as('admin')
        .post('/v1/grants')
        .send({ subject: `user:${sub}`, role: 'reader', namespace: 'team-a', expiresAt: expiresAt?.toISOString() })
        .expect(201)
    ).body as { id: string };

  it('applies a change to the replica that made it before answering, without reloading', async () => {
    const reloads = vi.spyOn(cache, 'reload');
    const version = cache.loadedVersion;
    expect(await listSecrets('alice')).toBe(403);
    const { id } = await grant('alice');
    expect(await listSecrets('alice')).toBe(200);
    await broker.as('admin').delete(`/v1/grants/${id}`).expect(200);
    expect(await listSecrets('alice')).toBe(403);
    expect(cache.loadedVersion).toBe(version + 2);
    expect(reloads).not.toHaveBeenCalled();
  });

  it('stops honouring a grant at its expiry, without any reload', async () => {
    const reloads = vi.spyOn(cache, 'reload');
    const expiresAt = new Date(clock.now() + 2_000);
    await grant('bob', expiresAt);
    expect(await listSecrets('bob')).toBe(200);
    const review = () =>
      broker.as('bob').post('/v1/access-reviews').send({ verb: 'list', namespace: 'team-a', name: 'db' }).expect(200);
    expect((await review()).body.allowed).toBe(true);
    clock.advance(1_999);
    expect(await listSecrets('bob')).toBe(200);
    clock.advance(1);
    expect(await listSecrets('bob')).toBe(403);
    expect((await review()).body.allowed).toBe(false);
    expect((await broker.as('bob').get('/v1/whoami').expect(200)).body.grants).toEqual([]);
    expect(reloads).not.toHaveBeenCalled();
  });
});

describe(`the version check, when notifications are lost (${kind})`, () => {
  const CHECK_SECONDS = 1;
  // One check interval, plus a reload and a request.
  const WITHIN_MS = CHECK_SECONDS * 1000 + 500;
  const clock = new ManualClock();
  const broker = useBroker({ CACHE_VERSION_CHECK_SECONDS: '3600' }, { clock });
  let replica: Replica;

  beforeAll(async () => {
    await createNamespaces(broker.emulator, 'team-a');
    replica = await startReplica(broker, { versionCheckSeconds: CHECK_SECONDS });
    // The replica hears nothing from here on (SQLite has no notifications anyway).
    await replica.app.get(GrantChangeListener).stop();
  });
  afterAll(async () => {
    await replica?.close();
  });

  const listOnReplica = async (sub: string) => (await replica.as(sub).get('/v1/namespaces/team-a/secrets')).status;

  it('picks up a grant made and then revoked on another replica within one check interval', async () => {
    expect(await listOnReplica('carol')).toBe(403);
    const created = await broker
      .as('admin')
      .post('/v1/grants')
      .send({ subject: 'user:carol', role: 'reader', namespace: 'team-a' })
      .expect(201);
    expect(await timeUntil(async () => (await listOnReplica('carol')) === 200, WITHIN_MS)).toBeLessThanOrEqual(
      WITHIN_MS,
    );
    await broker
      .as('admin')
      .delete(`/v1/grants/${(created.body as { id: string }).id}`)
      .expect(200);
    expect(await timeUntil(async () => (await listOnReplica('carol')) === 403, WITHIN_MS)).toBeLessThanOrEqual(
      WITHIN_MS,
    );
    expect(replica.app.get(GrantCache).loadedVersion).toBe(broker.app.get(GrantCache).loadedVersion);
  });
});
