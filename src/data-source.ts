import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './config/app-config.js';
import { databaseOptions } from './common/database/database-options.js';

/** For the TypeORM CLI (`typeorm migration:run -d dist/src/data-source.js`). */
export default new DataSource(databaseOptions(loadConfig({ ...process.env, BROKER_DEV_MODE: 'true' }).database));
