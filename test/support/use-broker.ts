import { afterAll, beforeAll } from 'vitest';
import { startBroker, type Broker, type BrokerDoubles, type TestBroker } from './broker.js';

type Settings = Record<string, string>;

/**
 * The broker a suite (or a `describe`) shares: started in `beforeAll`, closed in `afterAll`, both
 * registered here. The returned handle forwards to it, so tests write `broker.as('admin')` as with
 * a broker of their own; used outside a test or hook (before it started), it throws. Settings that
 * are known only once earlier hooks ran (a receiver's port) are passed as a function.
 */
export function useBroker(env: Settings | (() => Settings) = {}, doubles: BrokerDoubles = {}): Broker {
  let started: TestBroker | undefined;
  const current = (): TestBroker => {
    if (!started) throw new Error('useBroker(): the broker runs only inside the tests and hooks of its suite');
    return started;
  };
  beforeAll(async () => {
    started = await startBroker(typeof env === 'function' ? env() : env, doubles);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  const handle: Broker = {
    get app() {
      return current().app;
    },
    get config() {
      return current().config;
    },
    get database() {
      return current().database;
    },
    get emulator() {
      return current().emulator;
    },
    get logLines() {
      return current().logLines;
    },
    http: () => current().http(),
    as: (sub, groups) => current().as(sub, groups),
    restart: async (whileStopped) => {
      await current().restart(whileStopped);
      return handle;
    },
  };
  return handle;
}

/** A broker of the test's own (its own settings, or a second one beside the suite's), closed afterwards. */
export async function withBroker<T>(
  env: Settings,
  work: (broker: TestBroker) => Promise<T>,
  doubles: BrokerDoubles = {},
): Promise<T> {
  const broker = await startBroker(env, doubles);
  try {
    return await work(broker);
  } finally {
    await broker.close();
  }
}
