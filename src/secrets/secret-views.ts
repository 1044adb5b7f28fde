import type { ClusterSecret } from '../cluster/cluster.gateway.js';
import type { SecretConsumer } from './consumers.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { SecretVersionEntity } from './entities/secret-version.entity.js';
import { SecretConsumerView } from './models/consumer.model.js';
import { SecretValuesView, SecretValueView } from './models/secret-values.model.js';
import { SecretVersionView } from './models/secret-version.model.js';
import { SecretPageView, SecretView } from './models/secret.model.js';
import { presentValue } from './secret-input.js';

/** Mapping from cluster objects and entities to the API views, shared by REST and GraphQL. */
export function toSecretView(secret: ClusterSecret, record: SecretRecordEntity | null): SecretView {
  // A record without a current version is a write that has not succeeded yet: still unmanaged.
  const managed = record !== null && record.state !== 'revoked' && record.currentVersion !== null;
  return Object.assign(new SecretView(), {
    namespace: secret.namespace,
    name: secret.name,
    type: secret.type,
    keys: Object.keys(secret.data).sort(),
    labels: { ...secret.labels },
    state: managed ? 'active' : 'unmanaged',
    currentVersion: managed ? record.currentVersion : null,
    resourceVersion: secret.resourceVersion,
    createdAt: secret.createdAt ?? null,
    ...rotationState(managed ? record : null),
  });
}

/** Rotation policy, schedule, grace period and drift of a managed secret. */
function rotationState(
  record: SecretRecordEntity | null,
): Pick<SecretView, 'nextRotationAt' | 'graceEndsAt' | 'drifted' | 'driftedAt' | 'driftedKeys' | 'rotationPolicy'> {
  return {
    rotationPolicy: record?.rotationPolicy ? { ...record.rotationPolicy } : null,
    nextRotationAt: record?.nextRotationAt ?? null,
    graceEndsAt: record?.graceEndsAt ?? null,
    drifted: record?.driftedAt != null,
    driftedAt: record?.driftedAt ?? null,
    driftedKeys: record?.driftedKeys ?? [],
  };
}

/** A page of a listing: the visible secrets with their records, and the sealed cursor of the next page. */
export function toSecretPageView(
  secrets: readonly ClusterSecret[],
  records: ReadonlyMap<string, SecretRecordEntity>,
  next: string | null,
): SecretPageView {
  return Object.assign(new SecretPageView(), {
    items: secrets.map((secret) => toSecretView(secret, records.get(secret.name) ?? null)),
    continue: next,
  });
}

/** A revoked secret no longer exists in the cluster; only the broker's record remains. */
export function toRevokedSecretView(record: SecretRecordEntity): SecretView {
  return Object.assign(new SecretView(), {
    namespace: record.namespace,
    name: record.name,
    type: record.type,
    keys: [],
    labels: {},
    state: 'revoked',
    currentVersion: null,
    resourceVersion: null,
    createdAt: record.createdAt,
    ...rotationState(null),
  });
}

export function toVersionView(version: SecretVersionEntity): SecretVersionView {
  return Object.assign(new SecretVersionView(), {
    version: version.version,
    state: version.state,
    reason: version.reason,
    sourceVersion: version.sourceVersion,
    note: version.note,
    createdBy: version.createdBy,
    createdAt: version.createdAt,
    fingerprints: Object.entries(version.fingerprints).map(([key, fingerprint]) => ({ key, fingerprint })),
    valuesRetained: version.ciphertext !== null,
  });
}

export function toValueViews(values: Readonly<Record<string, Buffer>>): SecretValueView[] {
  return Object.keys(values)
    .sort()
    .map((key) => Object.assign(new SecretValueView(), { key, ...presentValue(values[key]) }));
}

export function toValuesView(
  { namespace, name }: { readonly namespace: string; readonly name: string },
  version: number | null,
  values: Readonly<Record<string, Buffer>>,
): SecretValuesView {
  return Object.assign(new SecretValuesView(), { namespace, name, version, values: toValueViews(values) });
}

export function toConsumerView(consumer: SecretConsumer): SecretConsumerView {
  return Object.assign(new SecretConsumerView(), {
    kind: consumer.kind,
    namespace: consumer.namespace,
    name: consumer.name,
    usages: consumer.usages.map((usage) => ({ ...usage })),
  });
}
