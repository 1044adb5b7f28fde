import type { Broker } from './broker.js';
import { secretsPath } from '../factories/index.js';

export interface AuditBody {
  items: Array<{
    subject: string;
    action: string;
    outcome: string;
    reason: string | null;
    version: number | null;
    requestId: string;
  }>;
}

/** Creates a secret with a generated password and `policy` as its rotation policy. */
export async function createScheduled(
  broker: Broker,
  namespace: string,
  name: string,
  policy: Record<string, unknown>,
): Promise<void> {
  await broker
    .as('admin')
    .post(secretsPath(namespace))
    .send({
      name,
      generate: { password: { type: 'password', length: 24 } },
      rotationPolicy: policy,
    })
    .expect(201);
}

export async function currentVersion(broker: Broker, namespace: string, name: string): Promise<number> {
  const body = (await broker.as('admin').get(secretsPath(namespace, name)).expect(200)).body as {
    currentVersion: number;
  };
  return body.currentVersion;
}

/** The audit events the scheduler wrote about one secret. */
export async function schedulerEvents(broker: Broker, namespace: string, name: string): Promise<AuditBody['items']> {
  const body = (
    await broker
      .as('admin')
      .get('/v1/audit-events')
      .query({ subject: 'system:scheduler', namespace, name, limit: 500 })
      .expect(200)
  ).body as AuditBody;
  return body.items;
}
