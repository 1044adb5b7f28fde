import {
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type SecurityAuthentication,
  type V1ConfigMap,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import {
  ClusterGateway,
  type ClusterConfigMap,
  type ClusterSecret,
  type ConfigMapWrite,
  type ClusterWorkload,
  type BoundTokenRequest,
  type IssuedToken,
  type ObjectIdentity,
  type PodTemplateReferences,
  type SecretPage,
  type SecretWrite,
  type TokenReviewResult,
  type WorkloadKind,
} from './cluster.gateway.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { classifyForRetry, toClusterError } from './cluster-errors.js';
import { apiClientFactory } from './keep-alive.js';
import { DEFAULT_READ_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { fromV1Secret, toV1Secret } from './secret-objects.js';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * ClusterGateway over @kubernetes/client-node. Reads retry; writes rely on resourceVersion. Requests
 * authenticate through `authentication` (the KubeConfig itself, or KeepAliveAuthentication).
 */
export class KubernetesClusterGateway extends ClusterGateway {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly authentication: AuthenticationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly observe: (verb: string, seconds: number, failed: boolean) => void = () => undefined,
    private readonly retryPolicy: RetryPolicy = DEFAULT_READ_RETRY,
    authentication: SecurityAuthentication = kubeConfig,
  ) {
    super();
    const makeClient = apiClientFactory(kubeConfig, authentication);
    this.core = makeClient(CoreV1Api);
    this.apps = makeClient(AppsV1Api);
    this.authentication = makeClient(AuthenticationV1Api);
  }

  getSecret(namespace: string, name: string): Promise<ClusterSecret | undefined> {
    return this.readOptional(`read secret ${namespace}/${name}`, 'get secret', async () =>
      fromV1Secret(await this.core.readNamespacedSecret({ name, namespace })),
    );
  }

  listSecrets(
    namespace: string,
    options: { labelSelector?: string; limit?: number; continueToken?: string },
  ): Promise<SecretPage> {
    return this.read(`list secrets in ${namespace}`, 'list secrets', async () => {
      const list = await this.core.listNamespacedSecret({
        namespace,
        labelSelector: options.labelSelector,
        limit: options.limit,
        _continue: options.continueToken,
      });
      return { items: list.items.map(fromV1Secret), continueToken: list.metadata?._continue || undefined };
    });
  }

  createSecret(secret: SecretWrite): Promise<ClusterSecret> {
    return this.write(`create secret ${secret.namespace}/${secret.name}`, 'create secret', async () =>
      fromV1Secret(await this.core.createNamespacedSecret({ namespace: secret.namespace, body: toV1Secret(secret) })),
    );
  }

  replaceSecret(secret: SecretWrite, resourceVersion: string): Promise<ClusterSecret> {
    const body = toV1Secret(secret, resourceVersion);
    return this.write(`replace secret ${secret.namespace}/${secret.name}`, 'replace secret', async () =>
      fromV1Secret(await this.core.replaceNamespacedSecret({ name: secret.name, namespace: secret.namespace, body })),
    );
  }

  async deleteSecret(namespace: string, name: string, resourceVersion: string): Promise<void> {
    await this.write(`delete secret ${namespace}/${name}`, 'delete secret', () =>
      this.core.deleteNamespacedSecret({ name, namespace, body: { preconditions: { resourceVersion } } }),
    );
  }

  getConfigMap(namespace: string, name: string): Promise<ClusterConfigMap | undefined> {
    return this.readOptional(`read configmap ${namespace}/${name}`, 'get configmap', async () =>
      fromV1ConfigMap(await this.core.readNamespacedConfigMap({ name, namespace })),
    );
  }

  createConfigMap(configMap: ConfigMapWrite): Promise<ClusterConfigMap> {
    const body = toV1ConfigMap(configMap);
    return this.write(`create configmap ${configMap.namespace}/${configMap.name}`, 'create configmap', async () =>
      fromV1ConfigMap(await this.core.createNamespacedConfigMap({ namespace: configMap.namespace, body })),
    );
  }

  replaceConfigMap(configMap: ConfigMapWrite, resourceVersion: string): Promise<ClusterConfigMap> {
    const body = toV1ConfigMap(configMap, resourceVersion);
    return this.write(`replace configmap ${configMap.namespace}/${configMap.name}`, 'replace configmap', async () =>
      fromV1ConfigMap(
        await this.core.replaceNamespacedConfigMap({ name: configMap.name, namespace: configMap.namespace, body }),
      ),
    );
  }

  async listWorkloads(namespace: string): Promise<ClusterWorkload[]> {
    const what = `list workloads in ${namespace}`;
    const [deployments, statefulSets, daemonSets] = await Promise.all([
      this.read(what, 'list deployments', () => this.apps.listNamespacedDeployment({ namespace })),
      this.read(what, 'list statefulsets', () => this.apps.listNamespacedStatefulSet({ namespace })),
      this.read(what, 'list daemonsets', () => this.apps.listNamespacedDaemonSet({ namespace })),
    ]);
    const workloads = (
      kind: WorkloadKind,
      items: ReadonlyArray<{ metadata?: { name?: string }; spec?: { template?: V1PodTemplateSpec } }>,
    ) =>
      items.map((item) => ({
        kind,
        namespace,
        name: item.metadata?.name ?? '',
        template: templateReferences(item.spec?.template),
      }));
    return [
      ...workloads('Deployment', deployments.items),
      ...workloads('StatefulSet', statefulSets.items),
      ...workloads('DaemonSet', daemonSets.items),
    ];
  }

  async restartWorkload(kind: WorkloadKind, namespace: string, name: string, at: Date): Promise<void> {
    const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at.toISOString() } } } } };
    const options = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    await this.write(`restart ${kind} ${namespace}/${name}`, `restart ${kind.toLowerCase()}`, () => {
      switch (kind) {
        case 'Deployment':
          return this.apps.patchNamespacedDeployment({ name, namespace, body }, options);
        case 'StatefulSet':
          return this.apps.patchNamespacedStatefulSet({ name, namespace, body }, options);
        case 'DaemonSet':
          return this.apps.patchNamespacedDaemonSet({ name, namespace, body }, options);
      }
    });
  }

  createBindingSecret(
    namespace: string,
    name: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<ObjectIdentity> {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name, namespace, labels: { ...labels } },
    };
    return this.write(`create secret ${namespace}/${name}`, 'create secret', async () => {
      const created = await this.core.createNamespacedSecret({ namespace, body });
      return { namespace, name, uid: created.metadata?.uid ?? '' };
    });
  }

  async deleteBindingSecret({ namespace, name, uid }: ObjectIdentity): Promise<boolean> {
    try {
      await this.write(`delete secret ${namespace}/${name}`, 'delete secret', () =>
        this.core.deleteNamespacedSecret({ name, namespace, body: uid ? { preconditions: { uid } } : {} }),
      );
      return true;
    } catch (error) {
      // Gone, or replaced by another object of that name: either way no token names a live object.
      if (error instanceof DomainError && (error.code === ErrorCode.NotFound || error.code === ErrorCode.Conflict))
        return false;
      throw error;
    }
  }

  requestBoundToken(request: BoundTokenRequest): Promise<IssuedToken> {
    const { namespace, serviceAccount: name, boundSecret } = request;
    return this.write(`request a token for serviceaccount ${namespace}/${name}`, 'create token', async () => {
      const answer = await this.core.createNamespacedServiceAccountToken({
        name,
        namespace,
        body: {
          spec: {
            audiences: [...request.audiences],
            expirationSeconds: request.expirationSeconds,
            boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: boundSecret.name, uid: boundSecret.uid },
          },
        },
      });
      const token = answer.status?.token;
      if (!token) throw new DomainError(ErrorCode.ClusterRefused, 'The API server issued no token');
      return { token, expiresAt: new Date(answer.status?.expirationTimestamp ?? Date.now()) };
    });
  }

  // A review creates nothing, so it is as safe to retry as a read.
  reviewToken(token: string, audiences: readonly string[]): Promise<TokenReviewResult> {
    return this.read('review a ServiceAccount token', 'review token', async () => {
      const review = await this.authentication.createTokenReview({
        body: { spec: { token, audiences: [...audiences] } },
      });
      return {
        authenticated: review.status?.authenticated === true,
        username: review.status?.user?.username,
        groups: review.status?.user?.groups ?? [],
        audiences: review.status?.audiences ?? [],
      };
    });
  }

  async ping(): Promise<void> {
    await this.read('reach the API server', 'list namespaces', () => this.core.listNamespace({ limit: 1 }));
  }

  /**
   * A call that only reads: timed under `verb`, retried on 5xx, 429 and transport failures, and
   * any final failure turned into the domain error for trying to do `what`.
   */
  private read<T>(what: string, verb: string, call: () => Promise<T>): Promise<T> {
    return withRetry(() => this.timed(verb, call), classifyForRetry, this.retryPolicy).catch((error: unknown) => {
      throw toClusterError(error, what);
    });
  }

  /** A read of one object; a 404 is no object rather than an error. */
  private async readOptional<T>(what: string, verb: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.read(what, verb, call);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.NotFound) return undefined;
      throw error;
    }
  }

  /** A change: timed, never retried (a lost answer is settled by reading back), errors mapped. */
  private write<T>(what: string, verb: string, call: () => Promise<T>): Promise<T> {
    return this.timed(verb, call).catch((error: unknown) => {
      throw toClusterError(error, what);
    });
  }

  private async timed<T>(verb: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      this.observe(verb, (performance.now() - started) / 1000, false);
      return result;
    } catch (error) {
      this.observe(verb, (performance.now() - started) / 1000, true);
      throw error;
    }
  }
}

function fromV1ConfigMap(configMap: V1ConfigMap): ClusterConfigMap {
  return {
    namespace: configMap.metadata?.namespace ?? '',
    name: configMap.metadata?.name ?? '',
    data: configMap.data ?? {},
    labels: configMap.metadata?.labels ?? {},
    resourceVersion: configMap.metadata?.resourceVersion ?? '',
  };
}

function toV1ConfigMap(configMap: ConfigMapWrite, resourceVersion?: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMap.name,
      namespace: configMap.namespace,
      labels: { ...configMap.labels },
      resourceVersion,
    },
    data: { ...configMap.data },
  };
}

function templateReferences(template: V1PodTemplateSpec | undefined): PodTemplateReferences {
  const spec = template?.spec;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  return {
    containers: containers.map((container) => ({
      name: container.name,
      env: (container.env ?? []).map((variable) => ({
        name: variable.name,
        secretKeyRef: variable.valueFrom?.secretKeyRef?.name
          ? { name: variable.valueFrom.secretKeyRef.name, key: variable.valueFrom.secretKeyRef.key }
          : undefined,
      })),
      envFromSecrets: (container.envFrom ?? []).flatMap((source) =>
        source.secretRef?.name ? [source.secretRef.name] : [],
      ),
    })),
    volumes: (spec?.volumes ?? []).map((volume) => ({
      name: volume.name,
      secretName: volume.secret?.secretName,
      projectedSecretNames: (volume.projected?.sources ?? []).flatMap((source) =>
        source.secret?.name ? [source.secret.name] : [],
      ),
    })),
  };
}
