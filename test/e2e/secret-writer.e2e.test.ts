import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterGateway } from '../../src/cluster/cluster.gateway.js';
import { KubernetesClusterGateway } from '../../src/cluster/kubernetes-cluster.gateway.js';
import type { Actor } from '../../src/common/actor.js';
import { systemActor } from '../../src/common/actor.js';
import { DomainError, ErrorCode } from '../../src/common/errors/domain-error.js';
import { DriftResponses } from '../../src/rotation/drift-responses.js';
import { SecretVersionStore } from '../../src/secrets/secret-version.store.js';
import { SecretWriterService } from '../../src/secrets/secret-writer.service.js';
import { createNamespace, createSecret, createUnmanagedSecret, uniqueName } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { useBroker } from '../support/use-broker.js';

type GatewayMethod = 'createSecret' | 'replaceSecret' | 'deleteSecret';

/**
 * The real cluster gateway with scripted failures: a failure is thrown instead of the call, or
 * after it (the write landed, its answer was lost). Put in place through createApp's overrides.
 */
class ScriptedGateway {
  private readonly scripted = new Map<GatewayMethod, { error: Error; afterCall: boolean }>();

  failNext(method: GatewayMethod, error: Error, afterCall = false): void {
    this.scripted.set(method, { error, afterCall });
  }

  clear(): void {
    this.scripted.clear();
  }

  wrap(real: KubernetesClusterGateway): ClusterGateway {
    return new Proxy(real, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        const call = (...args: unknown[]): unknown => Reflect.apply(value, target, args);
        const script = this.scripted.get(property as GatewayMethod);
        if (!script) return call;
        return async (...args: unknown[]) => {
          this.scripted.delete(property as GatewayMethod);
          if (script.afterCall) await call(...args);
          throw script.error;
        };
      },
    });
  }
}

const ADMIN: Actor = {
  subject: 'user:admin',
  subjects: ['user:admin'],
  request: { requestId: 'writer-spec', sourceIp: '127.0.0.1', userAgent: undefined },
};
const LOST = () => new DomainError(ErrorCode.Unavailable, 'the cluster answer was lost');
const REFUSED = () => new DomainError(ErrorCode.Conflict, 'the cluster refused the write');

describe('SecretWriterService on a scripted cluster gateway', () => {
  const gateway = new ScriptedGateway();
  const broker = useBroker(
    {},
    {
      overrides: [
        {
          provide: ClusterGateway,
          useFactory: (real: KubernetesClusterGateway) => gateway.wrap(real),
          inject: [KubernetesClusterGateway],
        },
      ],
    },
  );
  const writer = () => broker.app.get(SecretWriterService);
  const store = () => broker.app.get(SecretVersionStore);
  afterEach(() => gateway.clear());

  it('settles a create whose answer was lost but which reached the cluster: the version becomes current', async () => {
    const namespace = await createNamespace(broker);
    const name = uniqueName('landed');
    gateway.failNext('createSecret', LOST(), true);
    const result = await writer().create(ADMIN, namespace, { name, data: { password: 'landed-value' } });
    expect(result.version.version).toBe(1);
    const record = await store().findRecord(namespace, name);
    expect(record).toMatchObject({ state: 'active', currentVersion: 1 });
    expect(await outcomes(broker, namespace, name)).toEqual(['allowed', 'succeeded']);
  });

  it('settles a create whose answer was lost and which never landed: nothing stays pending, the error stands', async () => {
    const namespace = await createNamespace(broker);
    const name = uniqueName('lost');
    gateway.failNext('createSecret', LOST());
    await expect(writer().create(ADMIN, namespace, { name, data: { password: 'lost-value' } })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    expect(await store().pendingVersions()).not.toContainEqual(
      expect.objectContaining({ record: expect.objectContaining({ namespace, name }) }),
    );
    expect(await broker.app.get(KubernetesClusterGateway).getSecret(namespace, name)).toBeUndefined();
    expect(await outcomes(broker, namespace, name)).toEqual(['allowed', 'failed']);
  });

  it('discards the pending version of a rotation the cluster refused', async () => {
    const namespace = await createNamespace(broker);
    const { secret } = await createSecret(broker, namespace);
    gateway.failNext('replaceSecret', REFUSED());
    await expect(writer().rotate(ADMIN, { namespace, name: secret.name }, { reason: 'refused' })).rejects.toMatchObject(
      { code: ErrorCode.Conflict },
    );
    const record = await store().findRecord(namespace, secret.name);
    expect(record?.currentVersion).toBe(1);
    expect(await store().pendingVersions()).toEqual([]);
  });

  it('adopts a Secret it did not write: its live value becomes version 1, then the write goes on', async () => {
    const namespace = await createNamespace(broker);
    const name = uniqueName('unmanaged');
    await createUnmanagedSecret(broker, namespace, name, { password: 'from-outside' });
    const result = await writer().rotate(
      ADMIN,
      { namespace, name },
      { reason: 'take over', generate: { password: { type: 'password' } } },
    );
    expect(result.version.version).toBe(2);
    const record = await store().findRecord(namespace, name);
    const first = record && (await store().findVersion(record, 1));
    expect(first).toMatchObject({ reason: 'adopt' });
  });

  it('adopts drifted live values as a new version through the write port, audited as one system intent', async () => {
    const namespace = await createNamespace(broker);
    const { secret } = await createSecret(broker, namespace, { data: { password: 'managed-value' } });
    const live = await broker.app.get(KubernetesClusterGateway).getSecret(namespace, secret.name);
    const record = await store().findRecord(namespace, secret.name);
    if (!live || !record) throw new Error('the secret was not created');
    const actor = systemActor('system:drift-detector', `drift-${randomUUID()}`);
    await broker.app
      .get(DriftResponses)
      .adopt(actor, record, { ...live, data: { password: Buffer.from('changed-outside') } });
    const adopted = await store().findRecord(namespace, secret.name);
    expect(adopted?.currentVersion).toBe(2);
    expect(await outcomes(broker, namespace, secret.name, 'system:drift-detector')).toEqual(['allowed', 'succeeded']);
  });

  it('revokes: a refused delete leaves the secret active, a completed one revoked and gone', async () => {
    const namespace = await createNamespace(broker);
    const { secret } = await createSecret(broker, namespace);
    const target = { namespace, name: secret.name };
    gateway.failNext('deleteSecret', REFUSED());
    await expect(writer().revoke(ADMIN, target, { reason: 'refused' })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });
    expect((await store().findRecord(namespace, secret.name))?.state).toBe('active');

    const revoked = await writer().revoke(ADMIN, target, { reason: 'done' });
    expect(revoked).toMatchObject({ name: secret.name });
    expect((await store().findRecord(namespace, secret.name))?.state).toBe('revoked');
    expect(await broker.app.get(KubernetesClusterGateway).getSecret(namespace, secret.name)).toBeUndefined();
  });
  it('leaves a revocation whose delete answer was lost marked revoking, for the reconciler', async () => {
    const namespace = await createNamespace(broker);
    const { secret } = await createSecret(broker, namespace);
    gateway.failNext('deleteSecret', LOST());
    await expect(writer().revoke(ADMIN, { namespace, name: secret.name }, { reason: 'lost' })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    expect((await store().findRecord(namespace, secret.name))?.state).toBe('revoking');
    expect(await outcomes(broker, namespace, secret.name)).toEqual(['allowed', 'succeeded', 'allowed', 'failed']);
  });
});

/** The outcomes audited for one secret (by `subject`), oldest first. */
async function outcomes(broker: Broker, namespace: string, name: string, subject = 'user:admin'): Promise<string[]> {
  const body = (
    await broker.as('admin').get('/v1/audit-events').query({ subject, namespace, name, limit: 100 }).expect(200)
  ).body as { items: Array<{ id: number; outcome: string }> };
  return body.items.sort((a, b) => a.id - b.id).map((event) => event.outcome);
}
