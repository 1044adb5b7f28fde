import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startBrokerProcess,
  startProcessEnvironment,
  type ProcessEnvironment,
} from '../support/broker-process.js';
import { querySql } from '../support/sql.js';
import { tokenFor } from '../support/tokens.js';

const SLOW_REQUESTS = 4;
const CLUSTER_DELAY_MS = 1_500;

describe('graceful shutdown on SIGTERM (the broker as a process)', () => {
  let environment: ProcessEnvironment;

  beforeAll(async () => {
    environment = await startProcessEnvironment({ AUDIT_CHECKPOINT_SECONDS: '3600', SHUTDOWN_GRACE_SECONDS: '10' });
  });

  // Compiling and starting a broker process can take long on a loaded machine.

  afterAll(async () => {
    await environment.close();
  });

  it('finishes requests in flight with 2xx, refuses new connections, checkpoints the audit head and exits 0', async () => {
    const checkpointFile = join(environment.directory, 'checkpoint.json');
    const broker = await startBrokerProcess(
      { ...environment.env, AUDIT_CHECKPOINT_FILE: checkpointFile },
      await freePort(),
    );
    try {
      const headers = { authorization: `Bearer ${tokenFor('admin')}` };
      // Lists go to the API server, which is made slow so these are in flight when SIGTERM arrives.
      environment.emulator.faults.inject({
        method: 'GET',
        path: '/api/v1/namespaces/default/secrets',
        delayMs: CLUSTER_DELAY_MS,
        times: SLOW_REQUESTS,
      });
      const inFlight = Array.from({ length: SLOW_REQUESTS }, () =>
        fetch(`${broker.url}/v1/namespaces/default/secrets`, { headers }).then((response) => response.status),
      );
      await sleep(CLUSTER_DELAY_MS / 3);
      broker.child.kill('SIGTERM');
      await sleep(200);

      await expect(fetch(`${broker.url}/healthz`)).rejects.toThrow();
      expect(await Promise.all(inFlight)).toEqual(Array(SLOW_REQUESTS).fill(200));
      expect(await broker.exited).toBe(0);
      expect(broker.logLines.some((line) => line.includes('"msg":"shut down"'))).toBe(true);

      const [newest] = await querySql<{ id: number | string }>(
        environment.database.url,
        'SELECT MAX(id) AS id FROM audit_events',
      );
      const checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8')) as { id: number };
      expect(checkpoint.id).toBe(Number(newest.id));
      const lists = await querySql<{ count: number | string }>(
        environment.database.url,
        "SELECT COUNT(*) AS count FROM audit_events WHERE action = 'list'",
      );
      expect(Number(lists[0].count)).toBe(SLOW_REQUESTS);
    } finally {
      await broker.kill();
    }
  }, 180_000);
});
