// `npm run kek:rewrap [-- --batch-size N]`: re-wraps every stored data key under the active
// key-encryption key (ENCRYPTION_KEY_ACTIVE), beside running replicas, with the broker's own
// configuration. Stopped at any point, it is run again; once it reports nothing left, keys other
// than the active one can be removed from ENCRYPTION_KEYS.
import { parseArgs } from 'node:util';
import { createApp } from '../app.factory.js';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { KekRewrapService } from '../secrets/kek-rewrap.service.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'batch-size': { type: 'string', default: '100' } } });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new ConfigError('--batch-size must be an integer from 1 to 10000');
  }
  // Only this run's own work: no scheduled rotations from this process.
  const config = loadConfig({ ...process.env, ROTATION_SCHEDULER: 'false' });
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  try {
    const summary = await app.get(KekRewrapService).run({
      batchSize,
      onBatch: (batch) => logger.info(batch, 'kek-rewrap batch committed'),
    });
    logger.info(summary, 'kek-rewrap finished: every stored data key is under the active key-encryption key');
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(`kek-rewrap failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
