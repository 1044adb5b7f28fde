import { expect } from 'vitest';
import { DataSource } from 'typeorm';
import type { Broker } from './broker.js';
import { kubeClients } from './kube.js';

/** Everything an attack could change: the cluster's Secrets, the broker's tables, the audit trail. */
export interface BrokerState {
  readonly cluster: readonly ClusterSecretState[];
  readonly tables: Readonly<Record<string, readonly unknown[]>>;
  /** The id of the newest audit event when the state was taken. */
  readonly auditHead: number;
}

interface ClusterSecretState {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly data: Readonly<Record<string, string>>;
}

export interface AuditRow {
  readonly id: number;
  readonly subject: string;
  readonly action: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly namespace: string | null;
  readonly name: string | null;
}

// The broker's own tables, except the audit trail (checked separately: a refusal is recorded).
const TABLES = [
  'secrets',
  'secret_versions',
  'grants',
  'roles',
  'leases',
  'webhook_subscriptions',
  'access_policies',
  'access_requests',
  'access_request_reviews',
] as const;

export async function captureState(broker: Broker): Promise<BrokerState> {
  const { core } = kubeClients(broker.emulator);
  const secrets = await core.listSecretForAllNamespaces();
  const cluster = secrets.items
    .map((secret) => ({
      namespace: secret.metadata?.namespace ?? '',
      name: secret.metadata?.name ?? '',
      resourceVersion: secret.metadata?.resourceVersion ?? '',
      data: { ...(secret.data ?? {}) },
    }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const dataSource = broker.app.get(DataSource);
  const tables: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    tables[table] = await dataSource.query<unknown[]>(`SELECT * FROM ${table} ORDER BY 1`);
  }
  return { cluster, tables, auditHead: await auditHead(dataSource) };
}

/** Audit events written after `state` was captured, oldest first. */
export async function auditEventsSince(broker: Broker, state: BrokerState): Promise<AuditRow[]> {
  const rows = await broker.app
    .get(DataSource)
    // A number, so it is safe inline (placeholder syntax differs between the two databases).
    .query<Array<AuditRow & { id: number | string }>>(
      `SELECT id, subject, action, outcome, reason, namespace, name FROM audit_events WHERE id > ${state.auditHead} ORDER BY id`,
    );
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

/**
 * After an attack: the cluster and the broker's tables are exactly as captured, and the audit
 * trail gained only refusals (`denied` decisions, `failed` outcomes or authentications) — never a
 * succeeded change, and no allowed decision unless the attack legitimately passes one (a listing
 * the caller may make, with a forged cursor) and says so with `allowDecisions`.
 */
export async function expectUnchanged(
  broker: Broker,
  before: BrokerState,
  options: { allowDecisions?: boolean } = {},
): Promise<AuditRow[]> {
  const after = await captureState(broker);
  expect(after.cluster).toEqual(before.cluster);
  expect(after.tables).toEqual(before.tables);
  const added = await auditEventsSince(broker, before);
  const forbidden = options.allowDecisions ? ['succeeded'] : ['allowed', 'succeeded'];
  expect(added.filter((event) => forbidden.includes(event.outcome))).toEqual([]);
  return added;
}

async function auditHead(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query<
    Array<{
      head: number | string | null;
    }>
  >('SELECT MAX(id) AS head FROM audit_events');
  return Number(row?.head ?? 0);
}
