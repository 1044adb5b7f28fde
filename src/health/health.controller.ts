import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { SecretCacheStatus } from '../cluster/secret-cache-status.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ApiProblemResponses } from '../common/http/api-problem.decorator.js';
import { ApiPublicRoute } from '../common/http/api-route.decorator.js';
import { Public } from '../common/http/route-decorators.js';
import { SharedStateStatus } from '../common/shared-state/shared-state-status.js';
import { LivenessView, ReadinessView } from './health.models.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly cluster: ClusterGateway,
    private readonly secretsCache: SecretCacheStatus,
    private readonly sharedState: SharedStateStatus,
  ) {}

  @Get('healthz')
  @ApiPublicRoute({
    summary: 'Liveness: the process serves requests',
    description: 'For the kubelet: answers without touching the database or the cluster.',
  })
  @ApiOkResponse({ type: LivenessView, description: 'The process is alive' })
  liveness(): LivenessView {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  @ApiPublicRoute({
    summary: 'Readiness: the database and the Kubernetes API answer',
    description: 'For the kubelet and load balancers: 503 problem+json naming the dependencies that are down.',
  })
  @ApiOkResponse({ type: ReadinessView, description: 'Every dependency is up' })
  @ApiProblemResponses([503])
  async readiness(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: 2_000 }),
        async () => {
          const cluster = this.indicators.check('cluster');
          try {
            await this.cluster.ping();
            return cluster.up();
          } catch {
            // Ready while the watch cache answers reads: taking every replica out of the Service would refuse those too.
            if (this.secretsCache.servesFromCache()) {
              return cluster.degraded({
                message: 'Kubernetes API unreachable; reads served from the watch cache, writes refused',
              });
            }
            return cluster.down('Kubernetes API unreachable');
          }
        },
        () => this.secretsCacheHealth(),
        () => this.sharedStateHealth(),
      ]);
    } catch (error) {
      throw notReady(error);
    }
  }

  /**
   * Down until every watch has listed once; degraded (still ready: reads fall back to the API server) while a watch is lost.
   * States only, never counts: the probe answers anyone, and how many secrets the broker holds is not theirs to watch.
   */
  private secretsCacheHealth(): HealthIndicatorResult {
    const indicator = this.indicators.check('secrets-cache');
    const { enabled, watches, listed, watching } = this.secretsCache.state();
    if (!enabled) return indicator.up({ enabled });
    if (listed < watches) {
      const message = `${watches - listed} of ${watches} watches have not completed their first list`;
      return indicator.down({ message });
    }
    if (watching < watches) {
      const message = `${watches - watching} of ${watches} watches are reconnecting; their secrets are read from the API server`;
      return indicator.degraded({ message });
    }
    return indicator.up();
  }

  /** Degraded, still ready, while Redis is unreachable: limits then hold per replica (stricter per replica, looser overall). */
  private sharedStateHealth(): HealthIndicatorResult {
    const indicator = this.indicators.check('shared-state');
    const { configured, degraded } = this.sharedState.state();
    if (!configured) return indicator.up({ shared: false });
    if (degraded) {
      return indicator.degraded({
        shared: false,
        message: 'Redis unreachable; rate limits and activity windows are counted per replica',
      });
    }
    return indicator.up({ shared: true });
  }
}

/**
 * Terminus's 503 carries every indicator's result; the problem names the ones that are down and
 * nothing more (a database error's text is for the log, not for an unauthenticated caller).
 */
function notReady(error: unknown): unknown {
  if (!(error instanceof ServiceUnavailableException)) return error;
  const result = error.getResponse() as Partial<HealthCheckResult>;
  const down = Object.keys(result.error ?? {});
  return new DomainError(ErrorCode.Unavailable, `Not ready: ${down.join(', ') || 'unknown'}`);
}
