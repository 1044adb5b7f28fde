import { createApp } from '../../src/app.factory.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/app-config.js';

// A broker in a process of its own (see startBrokerProcess): configured from BROKER_ENV, it
// prints one line once started and runs until it is killed.
const config = loadConfig(JSON.parse(process.env.BROKER_ENV ?? '{}') as Record<string, string>);
await createApp(config, createLogger(config.logLevel, { write: () => undefined }));
process.stdout.write('started\n');
