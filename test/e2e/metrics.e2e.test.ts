import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { graphql, WHOAMI } from '../factories/index.js';
import { useBroker, withBroker } from '../support/use-broker.js';

describe('GET /metrics', () => {
  const broker = useBroker();

  const scrape = async () => {
    const response = await broker.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return response.text;
  };

  it('serves Prometheus text without authentication, with every broker metric', async () => {
    const metrics = broker.app.get(MetricsService);
    metrics.countDecision('read', false);
    metrics.observeClusterCall('patch', 0.02, true);
    const text = await scrape();
    for (const name of [
      'http_request_duration_seconds',
      'authz_decisions_total',
      'audit_write_duration_seconds',
      'audit_write_failures_total',
      'cluster_request_duration_seconds',
      'cluster_request_errors_total',
      'suspicious_activity_total',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('authz_decisions_total{verb="read",outcome="denied"} 1');
    expect(text).toContain('cluster_request_errors_total{verb="patch"} 1');
  });

  it('labels requests by route pattern, never by the raw URL', async () => {
    const id = randomUUID();
    await broker.as('admin').get(`/v1/grants/${id}`).expect(404);
    await broker.http().get(`/v1/grants/${id}`).expect(401);
    await broker.as('admin').get(`/no/such/${id}`).expect(404);
    await graphql(broker, 'admin', WHOAMI);
    const text = await scrape();
    expect(text).not.toContain(id);
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/v1/grants/:id",status="404"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/v1/grants/:id",status="401"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/graphql",status="200"} 1');
  });

  it('keeps each application’s metrics in its own registry', async () => {
    // The suite's broker has served the route (a status the test above does not count).
    await broker.as('admin').get('/v1/grants/not-a-uuid').expect(400);
    await withBroker({}, async (other) => {
      await other.http().get('/healthz').expect(200);
      expect((await other.http().get('/metrics').expect(200)).text).not.toContain('route="/v1/grants/:id"');
    });
  });
});
