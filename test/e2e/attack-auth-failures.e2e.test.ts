import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { serviceAccountToken, tokenReviewsSeen } from '../support/service-account-tokens.js';
import { auditEventsSince, captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const LIMIT = 30;
const ATTEMPTS = 200;

/** Distinct ServiceAccount-shaped tokens with bad signatures: each would cost a TokenReview. */
async function forgedServiceAccountTokens(broker: Broker, count: number): Promise<string[]> {
  const [header, payload] = (await serviceAccountToken(broker.emulator, 'team-a', 'billing')).split('.');
  return Array.from({ length: count }, (_, i) => `${header}.${payload}.forged-${i}-${randomBytes(4).toString('hex')}`);
}

function concurrentFailuresSuite(title: string, env: () => Record<string, string>): void {
  describe(title, () => {
    const broker = useBroker(() => ({
      AUTH_FAILURE_LIMIT_PER_MINUTE: String(LIMIT),
      KUBERNETES_TOKEN_REVIEW: 'true',
      TRUST_PROXY: 'loopback',
      ...env(),
    }));
    beforeAll(async () => {
      await createNamespace(broker, 'team-a');
    });

    it(`lets ${ATTEMPTS} concurrent bad ServiceAccount tokens from one address cost at most ${LIMIT} TokenReviews`, async () => {
      const attacker = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
      const tokens = await forgedServiceAccountTokens(broker, ATTEMPTS);
      const before = await captureState(broker);
      broker.emulator.clearRequestLog();
      const statuses = await Promise.all(
        tokens.map(
          async (token) =>
            (await broker.http().get('/v1/whoami').set('X-Forwarded-For', attacker).auth(token, { type: 'bearer' }))
              .status,
        ),
      );
      expect(statuses.filter((status) => status === 401)).toHaveLength(LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - LIMIT);
      expect(tokenReviewsSeen(broker.emulator)).toBeLessThanOrEqual(LIMIT);
      const audited = (await auditEventsSince(broker, before)).filter((event) => event.action === 'authenticate');
      expect(audited).toHaveLength(LIMIT);
      await expectUnchanged(broker, before);
    });

    it('does not count a ServiceAccount token the cluster vouches for as a failure', async () => {
      const address = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
      const valid = await serviceAccountToken(broker.emulator, 'team-a', 'billing');
      for (let i = 0; i < LIMIT + 5; i += 1) {
        await broker
          .http()
          .get('/v1/whoami')
          .set('X-Forwarded-For', address)
          .auth(valid, { type: 'bearer' })
          .expect(200);
      }
      const [forged] = await forgedServiceAccountTokens(broker, 1);
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', address)
        .auth(forged, { type: 'bearer' })
        .expect(401);
    });
  });
}

concurrentFailuresSuite('the failed-authentication limit under concurrency, one replica (finding 6)', () => ({}));
concurrentFailuresSuite('the failed-authentication limit under concurrency, counted in Redis (finding 6)', () => ({
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
}));
