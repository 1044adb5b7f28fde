import type { V1Secret } from '@kubernetes/client-node';
import type { ClusterSecret, SecretWrite } from './cluster.gateway.js';

/** A Secret as the API server sends it (base64 data) in the broker's terms (decoded bytes). */
export function fromV1Secret(secret: V1Secret): ClusterSecret {
  return {
    namespace: secret.metadata?.namespace ?? '',
    name: secret.metadata?.name ?? '',
    type: secret.type ?? 'Opaque',
    data: Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    labels: secret.metadata?.labels ?? {},
    annotations: secret.metadata?.annotations ?? {},
    resourceVersion: secret.metadata?.resourceVersion ?? '',
    immutable: secret.immutable ?? false,
    createdAt: secret.metadata?.creationTimestamp ? new Date(secret.metadata.creationTimestamp) : undefined,
  };
}

export function toV1Secret(secret: SecretWrite, resourceVersion?: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secret.name,
      namespace: secret.namespace,
      labels: { ...secret.labels },
      annotations: secret.annotations ? { ...secret.annotations } : undefined,
      resourceVersion,
    },
    type: secret.type,
    data: Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, value.toString('base64')])),
  };
}
