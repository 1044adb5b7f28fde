import { describe, expect, it } from 'vitest';
import { createNamespace, createSecret } from '../factories/index.js';
import { untilSecretsCacheWatching } from '../support/secrets-cache.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const METRICS_TOKEN = 'scraper-token-0123456789abcdef';

describe('what anonymous callers can watch', () => {
  const broker = useBroker({ METRICS_TOKEN });

  it('serves /metrics (checkpoint failures, cache figures) only to a bearer of METRICS_TOKEN', async () => {
    const before = await captureState(broker);
    const refused = [
      await broker.http().get('/metrics'),
      await broker.http().get('/metrics').auth('scraper-token-0123456789abcdeX', { type: 'bearer' }),
      await broker.as('admin').get('/metrics'),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(401);
      expect(answer.text).not.toContain('audit_checkpoint');
    }
    await expectUnchanged(broker, before);

    const scraped = await broker.http().get('/metrics').auth(METRICS_TOKEN, { type: 'bearer' }).expect(200);
    expect(scraped.text).toContain('audit_checkpoint_write_failures_total');
  });

  it('keeps the unauthenticated readiness answer to states, without how many secrets are cached', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db-main' });
    await untilSecretsCacheWatching(broker);
    const ready = await broker.http().get('/readyz').expect(200);
    expect(ready.body.details['secrets-cache']).toEqual({ status: 'up' });
    expect(ready.text).not.toContain('cachedSecrets');
  });
});
