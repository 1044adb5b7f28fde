import { describe, expect, it } from 'vitest';
import { OVERLAYS, renderOverlay, type ManifestObject } from '../../scripts/manifests.js';
import type { ResourceAccess } from '../../src/emulator/index.js';
import { createSecret, createServiceAccount, secretsPath, type LeasedTokenBody } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { createConsumerDeployment, createNamespaces, kubeClients, secretReads } from '../support/kube.js';
import { serviceAccountToken } from '../support/service-account-tokens.js';
import { withBroker } from '../support/use-broker.js';

/** The broker's own namespace in the manifests. */
const OWN_NAMESPACE = 'secrets-broker';

interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

/** One thing a rule allows: a verb on a resource (with subresource), in a namespace ('' cluster-wide), maybe by name. */
interface Permission {
  readonly namespace: string;
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  readonly name?: string;
}

/** Every permission the manifests give the broker's ServiceAccount, through its RoleBindings and ClusterRoleBindings. */
function grantedPermissions(objects: readonly ManifestObject[]): Permission[] {
  const rulesOf = (kind: string, name: string, namespace?: string): Rule[] => {
    const role = objects.find(
      (object) => object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace,
    );
    expect(role, `${kind} ${namespace ?? ''}/${name}`).toBeDefined();
    return (role as unknown as { rules: Rule[] }).rules;
  };
  const boundToBroker = (binding: ManifestObject) =>
    (binding.subjects as Array<{ kind: string; name: string; namespace?: string }>).some(
      (subject) =>
        subject.kind === 'ServiceAccount' && subject.name === 'secrets-broker' && subject.namespace === OWN_NAMESPACE,
    );
  const expand = (rules: Rule[], namespace: string): Permission[] =>
    rules.flatMap((rule) =>
      (rule.apiGroups ?? ['']).flatMap((group) =>
        (rule.resources ?? []).flatMap((resource) =>
          rule.verbs.flatMap((verb) =>
            (rule.resourceNames ?? [undefined]).map((name) => ({ namespace, group, resource, verb, name })),
          ),
        ),
      ),
    );
  return objects
    .filter(
      (object) => (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') && boundToBroker(object),
    )
    .flatMap((binding) => {
      const roleRef = binding.roleRef as { kind: string; name: string };
      const namespace = binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined;
      const rules = rulesOf(roleRef.kind, roleRef.name, roleRef.kind === 'Role' ? namespace : undefined);
      return expand(rules, namespace ?? '');
    });
}

const resourceOf = (access: ResourceAccess) =>
  access.subresource ? `${access.resource}/${access.subresource}` : access.resource;

function allows(permission: Permission, access: ResourceAccess): boolean {
  const namespaceMatches = permission.namespace === '' || permission.namespace === access.namespace;
  return (
    namespaceMatches &&
    permission.group === access.group &&
    permission.resource === resourceOf(access) &&
    permission.verb === access.verb &&
    (permission.name === undefined || permission.name === access.name)
  );
}

/** The namespaces the overlay's Deployment sets in MANAGED_NAMESPACES. */
function managedNamespaces(objects: readonly ManifestObject[]): string[] {
  const deployment = objects.find((object) => object.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } };
  };
  const variable = deployment.spec.template.spec.containers[0].env.find(({ name }) => name === 'MANAGED_NAMESPACES');
  return (variable?.value ?? '').split(',');
}

/** The same Role is granted in every managed namespace, so there a permission counts as used if used in any of them. */
function used(permission: Permission, accesses: readonly ResourceAccess[], managed: readonly string[]): boolean {
  const namespaces = managed.includes(permission.namespace) ? managed : [permission.namespace];
  return accesses.some((access) => namespaces.some((namespace) => allows({ ...permission, namespace }, access)));
}

const describeAccess = (access: ResourceAccess) =>
  `${access.verb} ${access.group || 'core'}/${resourceOf(access)} in ${access.namespace || '(cluster)'}`;
const describePermission = (permission: Permission) =>
  `${permission.verb} ${permission.group || 'core'}/${permission.resource}${permission.name ? ` ${permission.name}` : ''} in ${permission.namespace || '(cluster)'}`;

/** Workloads of every kind the broker restarts, each reading `secretName`. */
async function createConsumers(broker: Broker, namespace: string, secretName: string): Promise<void> {
  await createConsumerDeployment(broker.emulator, namespace, 'app-deployment', secretName);
  const { apps } = kubeClients(broker.emulator);
  const template = (name: string) => ({
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'app', image: 'registry.local/app:1', envFrom: [{ secretRef: { name: secretName } }] }],
      },
    },
  });
  await apps.createNamespacedStatefulSet({
    namespace,
    body: { metadata: { name: 'app-statefulset' }, spec: { ...template('app-statefulset'), serviceName: 'app' } },
  });
  await apps.createNamespacedDaemonSet({
    namespace,
    body: { metadata: { name: 'app-daemonset' }, spec: template('app-daemonset') },
  });
}

/** While the watches are down, reads go to the API server (single GETs instead of the cache). */
async function readsWithoutWatch(broker: Broker, managed: readonly string[]): Promise<void> {
  for (const namespace of managed) await createSecret(broker, namespace, { name: 'uncached' });
  broker.emulator.faults.inject({
    method: 'GET',
    path: /^\/api\/v1\/namespaces\/[^/]+\/secrets$/,
    status: 503,
    times: 1_000,
  });
  broker.emulator.closeWatches();
  try {
    for (const namespace of managed) {
      const deadline = Date.now() + 10_000;
      while (secretReads(broker.emulator, namespace) === 0 && Date.now() < deadline) {
        await broker
          .as('admin')
          .post(`${secretsPath(namespace, 'uncached')}/request`)
          .send({})
          .expect(200);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(secretReads(broker.emulator, namespace)).toBeGreaterThan(0);
    }
  } finally {
    broker.emulator.faults.clear();
  }
}

/** Broker traffic touching every gateway method: the secret lifecycle, consumers, leases, TokenReview, checkpoints, watches. */
async function representativeTraffic(broker: Broker, managed: readonly string[]): Promise<void> {
  const token = await serviceAccountToken(broker.emulator, managed[0], 'billing');
  for (const namespace of managed) {
    await createConsumers(broker, namespace, 'db');
    await createServiceAccount(broker.emulator, namespace, 'app-web');
  }
  broker.emulator.clearRequestLog();
  // Start-up traffic (watches, reconciliation, the first checkpoint) is part of what is checked.
  await broker.restart();
  for (const namespace of managed) {
    const base = secretsPath(namespace, 'db');
    await createSecret(broker, namespace, { name: 'db', data: { password: 'first' } });
    await broker.as('admin').get(base).expect(200);
    await broker.as('admin').post(`${base}/request`).send({}).expect(200);
    await broker.as('admin').get(secretsPath(namespace)).expect(200);
    await broker
      .as('admin')
      .put(base)
      .send({ data: { password: 'second' } })
      .expect(200);
    await broker
      .as('admin')
      .post(`${base}/rotate`)
      .send({ keys: ['password'], generate: { password: { type: 'password' } }, restartWorkloads: true })
      .expect(200);
    await broker.as('admin').get(`${base}/consumers`).expect(200);
    await broker.as('admin').post(`${base}/rollback`).send({ version: 1 }).expect(200);
    await broker.as('admin').post(`${base}/revoke`).send({ reason: 'leaked' }).expect(200);
    // A lease: its binding Secret created, a token requested for it, the Secret deleted on revocation.
    const leased = await broker
      .as('admin')
      .post(`/v1/namespaces/${namespace}/serviceaccounts/app-web/leases`)
      .send({ ttlSeconds: 900 })
      .expect(201);
    await broker
      .as('admin')
      .delete(`/v1/leases/${(leased.body as LeasedTokenBody).lease.id}`)
      .expect(200);
  }
  await readsWithoutWatch(broker, managed);
  await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
  await broker.http().get('/readyz').expect(200);
  // The shutdown checkpoint replaces the one written at start.
  await broker.restart();
}

describe.each(OVERLAYS)('RBAC in the %s overlay', (overlay) => {
  it('allows every request the broker makes, and nothing it never makes', async () => {
    const objects = renderOverlay(overlay);
    const permissions = grantedPermissions(objects);
    const managed = managedNamespaces(objects);
    expect(managed.length).toBeGreaterThan(0);
    await withBroker(
      {
        MANAGED_NAMESPACES: managed.join(','),
        AUDIT_CHECKPOINT_NAMESPACE: OWN_NAMESPACE,
        KUBERNETES_TOKEN_REVIEW: 'true',
      },
      async (broker) => {
        await createNamespaces(broker.emulator, ...new Set([OWN_NAMESPACE, ...managed]));
        await representativeTraffic(broker, managed);
        const accesses = broker.emulator.requests.flatMap((request) => (request.access ? [request.access] : []));
        expect(accesses.length).toBeGreaterThan(20);

        const denied = accesses.filter((access) => !permissions.some((permission) => allows(permission, access)));
        expect([...new Set(denied.map(describeAccess))]).toEqual([]);
        const unused = permissions.filter((permission) => !used(permission, accesses, managed));
        expect(unused.map(describePermission)).toEqual([]);
      },
    );
  });
});
