import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * `/metrics` and the MetricsService every module records through (global, like the logger).
 * HTTP requests are observed by a Fastify hook (common/http/request-hooks.ts), so requests refused
 * before routing or by a guard are counted too.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
