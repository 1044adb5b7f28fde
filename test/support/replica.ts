import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import supertest from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { createLogger } from '../../src/common/logging/logger.js';
import type { AppConfig, CacheConfig } from '../../src/config/app-config.js';
import { doubleOverrides, type Broker, type BrokerDoubles } from './broker.js';
import { tokenFor } from './tokens.js';

/** A second broker process sharing a test broker's database and cluster. */
export interface Replica {
  readonly app: INestApplication;
  readonly config: AppConfig;
  /** Every log line this replica wrote, as raw JSON text. */
  readonly logLines: string[];
  http(): supertest.Agent;
  /** Supertest with a bearer token for `user:<sub>` already set. */
  as(sub: string, groups?: string[]): supertest.Agent;
  close(): Promise<void>;
}

/**
 * Starts another application on `broker`'s configuration (its DATABASE_URL included), with `cache`
 * changed; `doubles` as for startBroker (pass the suite's ManualClock to share its time).
 */
export async function startReplica(
  broker: Broker,
  cache: Partial<CacheConfig> = {},
  doubles: BrokerDoubles = {},
): Promise<Replica> {
  const config: AppConfig = Object.freeze({
    ...broker.config,
    cache: Object.freeze({ ...broker.config.cache, ...cache }),
  });
  const logLines: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void logLines.push(line) });
  const app = await createApp(config, logger, { overrides: doubleOverrides(doubles) });
  return {
    app,
    config,
    logLines,
    http: () => supertest.agent(app.getHttpServer() as Server),
    as: (sub, groups = []) =>
      supertest.agent(app.getHttpServer() as Server).auth(tokenFor(sub, groups), { type: 'bearer' }),
    close: () => app.close(),
  };
}

/**
 * Polls `condition` every `intervalMs` until it holds, and returns how long that took (ms);
 * throws once `timeoutMs` has passed without it holding.
 */
export async function timeUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition still false after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
