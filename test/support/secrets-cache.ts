import { setTimeout as sleep } from 'node:timers/promises';
import { SecretCacheStatus } from '../../src/cluster/secret-cache-status.js';
import type { Broker } from './broker.js';

export interface SecretsCacheIndicator {
  readonly status: string;
  readonly message?: string;
}

/** How many Secrets the broker holds in its watch cache (in-process: /readyz does not tell anonymous callers). */
export function cachedSecrets(broker: Broker): number {
  return broker.app.get(SecretCacheStatus).state().cachedSecrets;
}

/** /readyz's answer and its `secrets-cache` indicator (a 503 problem only names what is down). */
export async function readiness(
  broker: Broker,
): Promise<{ status: number; detail?: string; secretsCache?: SecretsCacheIndicator }> {
  const response = await broker.http().get('/readyz');
  const body = response.body as { detail?: string; info?: Record<string, SecretsCacheIndicator> };
  return { status: response.status, detail: body.detail, secretsCache: body.info?.['secrets-cache'] };
}

/**
 * Waits until the broker's secrets cache has listed every watched namespace and is watching, so
 * that a test's reads are served from it (the watches start with the application, not before).
 */
export async function untilSecretsCacheWatching(broker: Broker, timeoutMs = 5_000): Promise<SecretsCacheIndicator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { secretsCache } = await readiness(broker);
    if (secretsCache?.status === 'up') return secretsCache;
    if (Date.now() > deadline) throw new Error(`secrets cache not watching after ${timeoutMs} ms`);
    await sleep(20);
  }
}
