import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { Public } from '../common/http/route-decorators.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly cluster: ClusterGateway,
  ) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness: the process serves requests' })
  liveness(): { status: string } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database and the Kubernetes API answer' })
  readiness(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2_000 }),
      async () => {
        const cluster = this.indicators.check('cluster');
        try {
          await this.cluster.ping();
          return cluster.up();
        } catch {
          return cluster.down('Kubernetes API unreachable');
        }
      },
    ]);
  }
}
