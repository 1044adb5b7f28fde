import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../src/app.factory.js';
import { loadConfig } from '../src/config/app-config.js';
import { createLogger } from '../src/common/logging/logger.js';

/** The broker on a throwaway in-memory database, only to read its API contracts. */
export function startContractApp(): Promise<INestApplication> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    BROKER_DEV_MODE: 'true',
    LOG_LEVEL: 'silent',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  return createApp(config, createLogger('silent'));
}
