import 'reflect-metadata';
import type { DynamicModule, INestApplication, InjectionToken, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { serveApiDocs } from './common/http/api-contracts.js';
import { requestIdFor } from './common/http/request-id.js';
import { readCertificatePair, ServingCertificateReloader } from './common/http/serving-certificate.js';
import { installRequestHooks } from './common/http/request-hooks.js';
import { trustProxySetting } from './common/http/source-address.js';
import { serveConsole } from './console/serve-console.js';
import { PinoNestLogger } from './common/logging/logger.js';
import { BrokerValidationPipe } from './common/validation/broker-validation.pipe.js';
import type { AppConfig } from './config/app-config.js';
import { MetricsService } from './metrics/metrics.service.js';

// Secrets are limited to 1 MiB by Kubernetes; JSON strings of that data stay well under 2 MiB.
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;
// Secret names may be 253 characters; Fastify refuses longer path parameters than this.
const MAX_PARAM_LENGTH = 512;

/**
 * A provider replaced, as Nest's `overrideProvider(token)`: by a value, or by a factory of other
 * providers (a double that wraps the real one).
 */
export type ProviderOverride =
  | { readonly provide: InjectionToken; readonly useValue: unknown }
  | {
      readonly provide: InjectionToken;
      readonly useFactory: (...dependencies: never[]) => unknown;
      readonly inject?: InjectionToken[];
    };

export interface AppOptions {
  /** Test doubles (a clock, a cluster gateway) put in place of the application's providers. */
  readonly overrides?: readonly ProviderOverride[];
}

/** Builds the broker application (ready, not yet listening); main.ts and the e2e tests share it. */
export async function createApp(
  config: AppConfig,
  logger: Logger,
  options: AppOptions = {},
): Promise<INestApplication> {
  const certificate = config.tls && readCertificatePair(config.tls);
  const adapter = new FastifyAdapter({
    ...(certificate ? { https: certificate } : {}),
    logger: false,
    trustProxy: trustProxySetting(config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: requestIdFor,
    // A `__proto__` key reaches the service, which refuses it as a Secret key with a clear 422.
    onProtoPoisoning: 'ignore',
  });
  const nestLogger = new PinoNestLogger(logger.child({ component: 'nest' }));
  const nestOptions: NestApplicationOptions = { logger: nestLogger, abortOnError: false };
  const root = AppModule.forRoot(config, logger);
  const app = options.overrides?.length
    ? await withOverrides(root, options.overrides, adapter, nestLogger, nestOptions)
    : await NestFactory.create<NestFastifyApplication>(root, adapter, nestOptions);
  installRequestHooks(app.getHttpAdapter().getInstance(), logger, app.get(MetricsService));
  app.useGlobalPipes(new BrokerValidationPipe());
  if (config.apiDocs) serveApiDocs(app);
  if (config.console) await serveConsole(app, config.console);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  if (config.tls && certificate) {
    // Fastify was given `https`, so its server is an https.Server (a tls.Server).
    const server = app.getHttpServer() as unknown as TlsServer;
    new ServingCertificateReloader(server, config.tls, certificate, logger.child({ component: 'tls' })).start();
  }
  return app;
}

/**
 * The application with providers replaced, through Nest's testing module (loaded only here, so
 * production, which never passes overrides, never loads it).
 */
async function withOverrides(
  root: DynamicModule,
  overrides: readonly ProviderOverride[],
  adapter: FastifyAdapter,
  nestLogger: PinoNestLogger,
  nestOptions: NestApplicationOptions,
): Promise<NestFastifyApplication> {
  const { Test } = await import('@nestjs/testing');
  let builder = Test.createTestingModule({ imports: [root] }).setLogger(nestLogger);
  for (const override of overrides) {
    const replaced = builder.overrideProvider(override.provide);
    builder =
      'useValue' in override
        ? replaced.useValue(override.useValue)
        : replaced.useFactory({ factory: override.useFactory, inject: override.inject });
  }
  const moduleRef = await builder.compile();
  return moduleRef.createNestApplication<NestFastifyApplication>(adapter, nestOptions);
}
