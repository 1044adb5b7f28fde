import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../support/broker.js';
import { metricValue } from '../support/metrics.js';
import { startReplica, timeUntil, type Replica } from '../support/replica.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const REDIS = { host: '127.0.0.1', port: 6379 };

/** Two replicas sharing one Redis (through a proxy the tests can cut) under a key prefix of this run's own. */
describe('rate limits and activity windows shared through Redis', () => {
  let proxy: TcpProxy;
  let first: TestBroker;
  let second: Replica;

  beforeAll(async () => {
    proxy = await TcpProxy.start(REDIS);
    first = await startBroker({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
      RATE_LIMIT_PER_MINUTE: '6',
      AUTH_FAILURE_LIMIT_PER_MINUTE: '4',
      SUSPICIOUS_ACTIVITY_THRESHOLD: '4',
      TRUST_PROXY: 'loopback',
    });
    second = await startReplica(first);
  });

  afterAll(async () => {
    await second.close();
    await first.close();
    await proxy.close();
  });

  const whoami = (broker: TestBroker | Replica, sub: string) => broker.as(sub).get('/v1/whoami');

  it('holds one per-subject budget across replicas', async () => {
    for (let i = 0; i < 3; i++) {
      await whoami(first, 'shared-budget').expect(200);
      await whoami(second, 'shared-budget').expect(200);
    }
    await whoami(first, 'shared-budget').expect(429);
    await whoami(second, 'shared-budget').expect(429);
    await whoami(second, 'other-subject').expect(200);
  });

  it('counts failed authentications per address across replicas', async () => {
    const from = (broker: TestBroker | Replica) =>
      broker.http().get('/v1/whoami').set('X-Forwarded-For', '198.51.100.40').auth('not-a-token', { type: 'bearer' });
    await from(first).expect(401);
    await from(second).expect(401);
    await from(first).expect(401);
    await from(second).expect(401);
    await from(first).expect(429);
  });

  it('raises one suspicious_activity event for denials spread over replicas', async () => {
    const deny = (broker: TestBroker | Replica) =>
      broker.as('spread-out').get('/v1/namespaces/default/secrets/not-granted').expect(403);
    for (const broker of [first, second, first, second, first]) await deny(broker);
    const events = await first
      .as('admin')
      .get('/v1/audit-events')
      .query({ verb: 'suspicious_activity', subject: 'user:spread-out' })
      .expect(200);
    expect(events.body.items).toHaveLength(1);
  });

  it('keeps serving with per-replica limits while Redis is unreachable, says so, and shares again once it is back', async () => {
    await timeUntil(
      async () => (await first.http().get('/readyz')).body.details?.['shared-state']?.shared === true,
      5_000,
    );
    proxy.cut();
    try {
      // Each replica now counts alone: six on each, then refused (never unlimited).
      for (let i = 0; i < 6; i++) await whoami(first, 'during-outage').expect(200);
      await whoami(first, 'during-outage').expect(429);
      for (let i = 0; i < 6; i++) await whoami(second, 'during-outage').expect(200);
      await whoami(second, 'during-outage').expect(429);

      const ready = await first.http().get('/readyz').expect(200);
      expect(ready.body.details['shared-state']).toMatchObject({ status: 'degraded', shared: false });
      expect(await metricValue(first, 'broker_shared_state_degraded')).toBe(1);
    } finally {
      proxy.restore();
    }
    await timeUntil(async () => {
      await whoami(first, 'after-outage');
      return (await metricValue(first, 'broker_shared_state_degraded')) === 0;
    }, 10_000);
    const ready = await first.http().get('/readyz').expect(200);
    expect(ready.body.details['shared-state']).toMatchObject({ status: 'up', shared: true });
  });

  it('does not make every request wait on a Redis that stops answering', async () => {
    await timeUntil(async () => (await metricValue(first, 'broker_shared_state_degraded')) === 0, 5_000);
    proxy.stall();
    try {
      const started = Date.now();
      for (let i = 0; i < 6; i++) await whoami(first, 'stalled').expect(200);
      await whoami(first, 'stalled').expect(429);
      // One command timeout (500 ms) and then the local counter, not one timeout per request.
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(await metricValue(first, 'broker_shared_state_degraded')).toBe(1);
    } finally {
      proxy.restore();
    }
    await timeUntil(async () => {
      await whoami(first, 'after-stall');
      return (await metricValue(first, 'broker_shared_state_degraded')) === 0;
    }, 10_000);
  });
});
