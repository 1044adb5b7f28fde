import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import supertest from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type ProviderOverride } from '../../src/app.factory.js';
import { Clock } from '../../src/common/time/clock.js';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { HS256_SECRET, tokenFor } from './tokens.js';

export const ADMIN = 'user:admin';
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** A running broker as a test uses it; whoever started it closes it. */
export interface Broker {
  readonly app: INestApplication;
  readonly config: AppConfig;
  readonly database: TestDatabase;
  /** The Kubernetes API emulator this broker talks to through a kubeconfig. */
  readonly emulator: KubernetesEmulator;
  /** Every log line the broker wrote, as raw JSON text. */
  readonly logLines: string[];
  http(): supertest.Agent;
  /** Supertest with a bearer token for `user:<sub>` already set. */
  as(sub: string, groups?: string[]): supertest.Agent;
  /** A process restart: a new application on the same database and cluster; `whileStopped` runs in between. */
  restart(whileStopped?: () => Promise<void>): Promise<Broker>;
}

/** A broker started by `startBroker`, which the caller must close. */
export interface TestBroker extends Broker {
  /** With `env`, the restarted process runs with these settings instead of the ones it started with. */
  restart(whileStopped?: () => Promise<void>, env?: Record<string, string>): Promise<TestBroker>;
  close(): Promise<void>;
}

/** The configuration another process (a second replica, an operator command) shares with `broker`: its database, cluster and keys. */
export function sharedEnvironmentOf(broker: Broker): Record<string, string> {
  return {
    DATABASE_URL: broker.database.url,
    KUBECONFIG: broker.config.kubeconfigPath ?? '',
    JWT_HS256_SECRET: HS256_SECRET,
    BOOTSTRAP_ADMINS: ADMIN,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    LOG_LEVEL: 'warn',
  };
}

/** Test doubles for a broker: its clock, and other providers replaced (kept across restarts). */
export interface BrokerDoubles {
  readonly clock?: Clock;
  readonly overrides?: readonly ProviderOverride[];
}

export function doubleOverrides(doubles: BrokerDoubles): ProviderOverride[] {
  return [...(doubles.clock ? [{ provide: Clock, useValue: doubles.clock }] : []), ...(doubles.overrides ?? [])];
}

/**
 * The real broker on a fresh database and its own Kubernetes API emulator (reached through a
 * kubeconfig, as in production), with a captured log, HS256 auth and `user:admin` bootstrapped.
 * Suites share one through `useBroker()`; `withBroker()` gives a test one of its own. `doubles`
 * replace providers (a `ManualClock` from clock.ts, a cluster gateway) without a rebuild.
 */
export async function startBroker(env: Record<string, string> = {}, doubles: BrokerDoubles = {}): Promise<TestBroker> {
  const database = await createTestDatabase();
  const emulator = await KubernetesEmulator.start();
  const directory = mkdtempSync(join(tmpdir(), 'broker-kubeconfig-'));
  const kubeconfig = join(directory, 'kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  const configure = (settings: Record<string, string>) =>
    loadConfig({
      DATABASE_URL: database.url,
      KUBECONFIG: kubeconfig,
      JWT_HS256_SECRET: HS256_SECRET,
      BOOTSTRAP_ADMINS: ADMIN,
      // Several keys by id replace the single key.
      ...(settings.ENCRYPTION_KEYS === undefined ? { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {}),
      LOG_LEVEL: 'info',
      ...settings,
    });
  let config = configure(env);
  const logLines: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void logLines.push(line) });
  const options = { overrides: doubleOverrides(doubles) };
  let app = await createApp(config, logger, options);
  const http = () => supertest.agent(app.getHttpServer() as Server);
  const as = (sub: string, groups: string[] = []) => http().auth(tokenFor(sub, groups), { type: 'bearer' });
  const broker: TestBroker = {
    get app() {
      return app;
    },
    get config() {
      return config;
    },
    database,
    emulator,
    logLines,
    http,
    as,
    restart: async (whileStopped, changed) => {
      await app.close();
      await whileStopped?.();
      if (changed) config = configure(changed);
      app = await createApp(config, logger, options);
      return broker;
    },
    close: async () => {
      await app.close();
      await emulator.stop();
      await database.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return broker;
}
