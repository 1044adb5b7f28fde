import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppModule } from './app.module.js';
import { writeProblem } from './common/errors/problem-details.filter.js';
import { rejectDeepJson } from './common/http/json-depth.js';
import { assignRequestId, requestIdOf } from './common/http/request-id.js';
import { trustProxySetting } from './common/http/source-address.js';
import { logSafeRequest, PinoNestLogger } from './common/logging/logger.js';
import { BrokerValidationPipe } from './common/validation/broker-validation.pipe.js';
import type { AppConfig } from './config/app-config.js';

// Secrets are limited to 1 MiB by Kubernetes; JSON strings of that data stay well under 2 MiB.
const BODY_LIMIT = '2mb';

/** Builds the broker application (not yet listening); main.ts and the e2e tests share it. */
export async function createApp(config: AppConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(config.trustProxy));
  app.use((request: Request, response: Response, next: NextFunction) => {
    assignRequestId(request, response);
    next();
  });
  app.use(
    pinoHttp({
      logger,
      genReqId: (request) => requestIdOf(request),
      customProps: (request) => ({ requestId: requestIdOf(request) }),
      quietReqLogger: true,
      serializers: { req: logSafeRequest },
    }),
  );
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.use(rejectDeepJson);
  // GraphQL responses may carry secret values; no cache may keep them.
  app.use('/graphql', (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.useGlobalPipes(new BrokerValidationPipe());
  app.enableShutdownHooks();
  await app.init();
  // Errors raised by Express middleware (body parsing) never reach Nest's filters.
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    writeProblem(request, response, error, logger);
  });
  return app;
}
