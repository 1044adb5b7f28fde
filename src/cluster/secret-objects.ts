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
    data: toBase64(secret.data),
  };
}

/** The API server's form of a secret the broker holds decoded (its own write, or a read), for the secret cache. */
export function toCachedV1Secret(secret: ClusterSecret): V1Secret {
  return {
    metadata: {
      namespace: secret.namespace,
      name: secret.name,
      labels: secret.labels,
      annotations: secret.annotations,
      resourceVersion: secret.resourceVersion,
      creationTimestamp: secret.createdAt,
    },
    type: secret.type,
    immutable: secret.immutable || undefined,
    data: toBase64(secret.data),
  };
}

function toBase64(data: Readonly<Record<string, Buffer>>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, value.toString('base64')]));
}
