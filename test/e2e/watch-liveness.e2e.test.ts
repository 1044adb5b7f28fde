import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { SecretCacheStatus } from '../../src/cluster/secret-cache-status.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { secretsPath } from '../factories/index.js';
import { ADMIN, TEST_ENCRYPTION_KEY } from '../support/broker.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { kubeClients, putSecret, secretReads } from '../support/kube.js';
import { HS256_SECRET, tokenFor } from '../support/tokens.js';

const HEARTBEAT_SECONDS = 1;
const BOOKMARK_INTERVAL_MS = 200;
const NAMESPACE = 'team-liveness';

interface CacheIndicator {
  status: string;
  silentWatchesDropped?: number;
}

/**
 * A broker whose emulator sends bookmarks every 200 ms: a healthy watch is never silent for the
 * 1 s heartbeat deadline, so only a stalled one is dropped.
 */
describe('watch liveness: a watch that hangs with its connection open', () => {
  let emulator: KubernetesEmulator;
  let database: TestDatabase;
  let directory: string;
  let app: INestApplication;
  const logLines: string[] = [];
  const http = () => supertest(app.getHttpServer() as Server);

  beforeAll(async () => {
    emulator = await KubernetesEmulator.start({ bookmarkIntervalMs: BOOKMARK_INTERVAL_MS });
    database = await createTestDatabase();
    directory = mkdtempSync(join(tmpdir(), 'watch-liveness-'));
    const kubeconfig = join(directory, 'kubeconfig.json');
    await emulator.writeKubeconfig(kubeconfig);
    const config = loadConfig({
      DATABASE_URL: database.url,
      KUBECONFIG: kubeconfig,
      JWT_HS256_SECRET: HS256_SECRET,
      BOOTSTRAP_ADMINS: ADMIN,
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      WATCH_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
      LOG_LEVEL: 'info',
    });
    app = await createApp(config, createLogger(config.logLevel, { write: (line: string) => void logLines.push(line) }));
  });

  afterAll(async () => {
    await app.close();
    await emulator.stop();
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  // The state as /readyz tells anyone; the count of dropped watches only in process (/readyz gives no counts).
  const cache = async (): Promise<CacheIndicator | undefined> => {
    const ready = (await http().get('/readyz')).body as { info?: Record<string, { status: string }> };
    const status = ready.info?.['secrets-cache']?.status;
    const silentWatchesDropped = app.get(SecretCacheStatus).state().silentWatchesDropped;
    return status === undefined ? undefined : { status, silentWatchesDropped };
  };

  const read = async (): Promise<string> => {
    const answer = await http()
      .post(`${secretsPath(NAMESPACE, 'db')}/request`)
      .auth(tokenFor('admin'), { type: 'bearer' })
      .send({})
      .expect(200);
    return answer.body.values[0].value as string;
  };

  it('is dropped at its heartbeat deadline and listed again: the cache catches up, and /readyz reports it', async () => {
    await kubeClients(emulator).core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await http()
      .post(secretsPath(NAMESPACE))
      .auth(tokenFor('admin'), { type: 'bearer' })
      .send({ name: 'db', data: { password: 'before' } })
      .expect(201);
    for (let tries = 0; (await cache())?.status !== 'up'; tries++) {
      if (tries > 200) throw new Error('secrets cache never watching');
      await sleep(20);
    }
    // Bookmarks keep a quiet watch alive past several deadlines.
    await sleep(HEARTBEAT_SECONDS * 2_500);
    expect(await cache()).toMatchObject({ status: 'up', silentWatchesDropped: 0 });

    // The watch reconnects into a stall: 200, headers, then nothing, the connection held open.
    emulator.faults.inject({ method: 'GET', path: '/api/v1/secrets', stall: true });
    const stalledAt = Date.now();
    emulator.closeWatches();
    await putSecret(emulator, NAMESPACE, 'db', { password: 'after' });
    // Served from the cache, which the stalled watch no longer updates.
    expect(await read()).toBe('before');

    // Dropped at the deadline (reads go to the API server meanwhile), then listed again: watching.
    const relisted = (indicator: CacheIndicator | undefined) =>
      indicator?.silentWatchesDropped === 1 && indicator.status === 'up';
    while (!relisted(await cache())) {
      if (Date.now() - stalledAt > 10_000) throw new Error('the watch was never dropped and listed again');
      await sleep(20);
    }
    const caughtUpMs = Date.now() - stalledAt;
    // The deadline, a quarter of it between checks, the restart backoff and one list. The deadline counts from
    // the last thing the watch heard, which may be a bookmark up to one interval before the stall began.
    expect(caughtUpMs).toBeGreaterThanOrEqual(HEARTBEAT_SECONDS * 1_000 - BOOKMARK_INTERVAL_MS);
    expect(caughtUpMs).toBeLessThan(HEARTBEAT_SECONDS * 1_000 + 1_500);
    expect(await read()).toBe('after');
    // The refreshed cache answers without asking the API server. Asked once every watch is up: on a
    // loaded machine the new watch's first bookmark can itself come late (a CI run saw a second drop).
    const watching = () => app.get(SecretCacheStatus).state();
    while (watching().watching !== watching().watches) {
      if (Date.now() - stalledAt > 20_000) throw new Error('the new watch never settled');
      await sleep(20);
    }
    const reads = secretReads(emulator, NAMESPACE);
    expect(await read()).toBe('after');
    expect(secretReads(emulator, NAMESPACE)).toBe(reads);
    expect(logLines.join('\n')).toMatch(/nothing heard for 1 s.*secret watch lost/);
  });
});
