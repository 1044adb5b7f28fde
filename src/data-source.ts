import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseConfig } from './config/app-config.js';
import { databaseOptions } from './common/database/database-options.js';
import { ENTITIES } from './entities.js';

/** For the TypeORM CLI (`typeorm migration:run -d dist/src/data-source.js`). */
export default new DataSource(
  databaseOptions(databaseConfig(process.env.DATABASE_URL ?? 'sqlite:./data/broker.sqlite'), ENTITIES),
);
