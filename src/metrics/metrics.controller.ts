import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiPublicRoute } from '../common/http/api-route.decorator.js';
import { Public } from '../common/http/route-decorators.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('health')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiPublicRoute({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'For the Prometheus scraper: request counts and latencies by route pattern, cache and audit figures. With METRICS_TOKEN set, only for a bearer of that token (401 otherwise).',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics in the Prometheus text format 0.0.4', schema: { type: 'string' } })
  scrape(): Promise<string> {
    return this.metrics.text();
  }
}
