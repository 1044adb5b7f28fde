import type { Actor } from '../../src/common/actor.js';
import { ClusterGateway } from '../../src/cluster/cluster.gateway.js';
import { PolicyService } from '../../src/grants/policy.service.js';
import { SecretVersionStore } from '../../src/secrets/secret-version.store.js';
import { VERSION_ANNOTATION } from '../../src/secrets/secret-labels.js';
import type { Broker } from './broker.js';

/**
 * Replays the first steps of a rotation through the real services and stops as a crash would:
 * after the intent and the pending version, and optionally after the cluster write. Returns the
 * intent's audit event id.
 */
export async function crashMidRotation(
  broker: Broker,
  namespace: string,
  name: string,
  options: { reachCluster: boolean },
): Promise<string> {
  const actor: Actor = {
    subject: 'user:admin',
    subjects: ['user:admin'],
    request: { requestId: `crash-${name}`, sourceIp: '127.0.0.1', userAgent: 'crash-test' },
  };
  const intent = await broker.app
    .get(PolicyService)
    .authorize(actor, { kind: 'target', verbs: ['rotate'], target: { namespace, name } });
  const store = broker.app.get(SecretVersionStore);
  const record = await store.findRecord(namespace, name);
  if (!record) throw new Error(`no record for ${namespace}/${name}`);
  const values = { password: Buffer.from(`rotated-${name}`) };
  const pending = await store.addPending(record, { values, reason: 'rotate', createdBy: actor.subject });
  if (options.reachCluster) {
    const cluster = broker.app.get(ClusterGateway);
    const live = await cluster.getSecret(namespace, name);
    if (!live) throw new Error(`no secret ${namespace}/${name} in the cluster`);
    await cluster.replaceSecret(
      {
        namespace,
        name,
        type: live.type,
        data: values,
        labels: live.labels,
        annotations: { ...live.annotations, [VERSION_ANNOTATION]: String(pending.version) },
      },
      live.resourceVersion,
    );
  }
  return intent.auditEventId;
}
