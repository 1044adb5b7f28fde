import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { createApp } from './app.factory.js';
import { exitGracefullyOnSignal } from './common/http/graceful-shutdown.js';
import { createLogger } from './common/logging/logger.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  exitGracefullyOnSignal(app, config.shutdownGraceSeconds, logger);
  await app.listen(config.port, config.host);
  logger.info({ port: config.port, host: config.host }, 'secrets-broker listening');
}

main().catch((error: unknown) => {
  console.error(`secrets-broker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
