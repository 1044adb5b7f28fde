import { Injectable, Optional } from '@nestjs/common';
import { SharedStateStatus } from '../common/shared-state/shared-state-status.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The broker's Prometheus metrics, on a registry of its own (not prom-client's global one), so
 * several applications in one process (the tests) do not collide. Other modules record through
 * these methods and never touch prom-client. Labels are bounded sets: verbs, outcomes, route
 * patterns and status codes, never names, subjects or raw URLs.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly decisions = new Counter({
    name: 'authz_decisions_total',
    help: 'Authorization decisions by verb and outcome',
    labelNames: ['verb', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly auditWriteDuration = new Histogram({
    name: 'audit_write_duration_seconds',
    help: 'Time to durably append one audit event, including waiting for the chain',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly auditWriteFailures = new Counter({
    name: 'audit_write_failures_total',
    help: 'Audit events that could not be written (each refused its operation)',
    registers: [this.registry],
  });
  private readonly auditCheckpointFailures = new Counter({
    name: 'audit_checkpoint_write_failures_total',
    help: 'Audit checkpoints not written, by location (configmap, file): errors, and refusals to overwrite evidence of tampering',
    labelNames: ['location'] as const,
    registers: [this.registry],
  });
  private readonly auditCheckpointWritten = new Gauge({
    name: 'audit_checkpoint_last_written_timestamp_seconds',
    help: 'When this process last wrote an audit checkpoint, by location (Unix time)',
    labelNames: ['location'] as const,
    registers: [this.registry],
  });
  private readonly clusterDuration = new Histogram({
    name: 'cluster_request_duration_seconds',
    help: 'Kubernetes API call duration by verb',
    labelNames: ['verb'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly clusterErrors = new Counter({
    name: 'cluster_request_errors_total',
    help: 'Failed Kubernetes API calls by verb',
    labelNames: ['verb'] as const,
    registers: [this.registry],
  });
  private readonly suspicious = new Counter({
    name: 'suspicious_activity_total',
    help: 'suspicious_activity audit events raised by repeated denials or failed authentications',
    registers: [this.registry],
  });

  private readonly drift = new Counter({
    name: 'secret_drift_detected_total',
    help: 'Managed Secrets found changed or deleted outside the broker, by what was done (record, restore, adopt)',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  private readonly scheduledRotations = new Counter({
    name: 'scheduled_rotations_total',
    help: 'Rotations run by the scheduler, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly webhookAttempts = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Lifecycle webhook delivery attempts by result: delivered, retry (failed, will be retried), failed (given up)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(@Optional() sharedState?: SharedStateStatus) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'broker_shared_state_degraded',
      help: '1 while REDIS_URL is set but Redis is unreachable (limits counted per replica), else 0',
      registers: [this.registry],
      collect() {
        this.set(sharedState?.state().degraded ? 1 : 0);
      },
    });
  }

  observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  countDrift(action: 'record' | 'restore' | 'adopt'): void {
    this.drift.inc({ action });
  }

  countScheduledRotation(succeeded: boolean): void {
    this.scheduledRotations.inc({ outcome: succeeded ? 'succeeded' : 'failed' });
  }

  countDecision(verb: string, allowed: boolean): void {
    this.decisions.inc({ verb, outcome: allowed ? 'allowed' : 'denied' });
  }

  observeAuditWrite(seconds: number, failed: boolean): void {
    this.auditWriteDuration.observe(seconds);
    if (failed) this.auditWriteFailures.inc();
  }

  /** `location` is where checkpoints are kept: configmap or file. */
  observeAuditCheckpoint(location: string, written: boolean): void {
    if (written) this.auditCheckpointWritten.set({ location }, Date.now() / 1000);
    else this.auditCheckpointFailures.inc({ location });
  }

  /** `verb` is the Kubernetes verb (get, list, create, update, patch, delete, watch). */
  observeClusterCall(verb: string, seconds: number, failed: boolean): void {
    this.clusterDuration.observe({ verb }, seconds);
    if (failed) this.clusterErrors.inc({ verb });
  }

  countSuspiciousActivity(): void {
    this.suspicious.inc();
  }

  countWebhookAttempt(result: 'delivered' | 'retry' | 'failed'): void {
    this.webhookAttempts.inc({ result });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
