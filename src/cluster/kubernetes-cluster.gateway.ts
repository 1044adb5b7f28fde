import {
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1PodTemplateSpec,
  type V1Secret,
} from '@kubernetes/client-node';
import {
  ClusterGateway,
  type ClusterConfigMap,
  type ClusterSecret,
  type ConfigMapWrite,
  type ClusterWorkload,
  type PodTemplateReferences,
  type SecretPage,
  type SecretWrite,
  type TokenReviewResult,
  type WorkloadKind,
} from './cluster.gateway.js';
import { classifyForRetry, toClusterError } from './cluster-errors.js';
import { DEFAULT_READ_RETRY, withRetry, type RetryPolicy } from './retry.js';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** ClusterGateway over @kubernetes/client-node. Reads retry; writes rely on resourceVersion. */
export class KubernetesClusterGateway extends ClusterGateway {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly authentication: AuthenticationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly observe: (verb: string, seconds: number, failed: boolean) => void = () => undefined,
    private readonly retryPolicy: RetryPolicy = DEFAULT_READ_RETRY,
  ) {
    super();
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.authentication = kubeConfig.makeApiClient(AuthenticationV1Api);
  }

  async getSecret(namespace: string, name: string): Promise<ClusterSecret | undefined> {
    try {
      return fromV1Secret(await this.read('get secret', () => this.core.readNamespacedSecret({ name, namespace })));
    } catch (error) {
      const domainError = toClusterError(error, `read secret ${namespace}/${name}`);
      if (domainError.code === 'NOT_FOUND') return undefined;
      throw domainError;
    }
  }

  async listSecrets(
    namespace: string,
    options: { labelSelector?: string; limit?: number; continueToken?: string },
  ): Promise<SecretPage> {
    try {
      const list = await this.read('list secrets', () =>
        this.core.listNamespacedSecret({
          namespace,
          labelSelector: options.labelSelector,
          limit: options.limit,
          _continue: options.continueToken,
        }),
      );
      return { items: list.items.map(fromV1Secret), continueToken: list.metadata?._continue || undefined };
    } catch (error) {
      throw toClusterError(error, `list secrets in ${namespace}`);
    }
  }

  async createSecret(secret: SecretWrite): Promise<ClusterSecret> {
    try {
      return fromV1Secret(
        await this.write('create secret', () =>
          this.core.createNamespacedSecret({ namespace: secret.namespace, body: toV1Secret(secret) }),
        ),
      );
    } catch (error) {
      throw toClusterError(error, `create secret ${secret.namespace}/${secret.name}`);
    }
  }

  async replaceSecret(secret: SecretWrite, resourceVersion: string): Promise<ClusterSecret> {
    try {
      const body = toV1Secret(secret, resourceVersion);
      return fromV1Secret(
        await this.write('replace secret', () =>
          this.core.replaceNamespacedSecret({ name: secret.name, namespace: secret.namespace, body }),
        ),
      );
    } catch (error) {
      throw toClusterError(error, `replace secret ${secret.namespace}/${secret.name}`);
    }
  }

  async deleteSecret(namespace: string, name: string, resourceVersion: string): Promise<void> {
    try {
      await this.write('delete secret', () =>
        this.core.deleteNamespacedSecret({ name, namespace, body: { preconditions: { resourceVersion } } }),
      );
    } catch (error) {
      throw toClusterError(error, `delete secret ${namespace}/${name}`);
    }
  }

  async getConfigMap(namespace: string, name: string): Promise<ClusterConfigMap | undefined> {
    try {
      return fromV1ConfigMap(
        await this.read('get configmap', () => this.core.readNamespacedConfigMap({ name, namespace })),
      );
    } catch (error) {
      const domainError = toClusterError(error, `read configmap ${namespace}/${name}`);
      if (domainError.code === 'NOT_FOUND') return undefined;
      throw domainError;
    }
  }

  async createConfigMap(configMap: ConfigMapWrite): Promise<ClusterConfigMap> {
    try {
      const body = toV1ConfigMap(configMap);
      return fromV1ConfigMap(
        await this.write('create configmap', () =>
          this.core.createNamespacedConfigMap({ namespace: configMap.namespace, body }),
        ),
      );
    } catch (error) {
      throw toClusterError(error, `create configmap ${configMap.namespace}/${configMap.name}`);
    }
  }

  async replaceConfigMap(configMap: ConfigMapWrite, resourceVersion: string): Promise<ClusterConfigMap> {
    try {
      const body = toV1ConfigMap(configMap, resourceVersion);
      return fromV1ConfigMap(
        await this.write('replace configmap', () =>
          this.core.replaceNamespacedConfigMap({ name: configMap.name, namespace: configMap.namespace, body }),
        ),
      );
    } catch (error) {
      throw toClusterError(error, `replace configmap ${configMap.namespace}/${configMap.name}`);
    }
  }

  async listWorkloads(namespace: string): Promise<ClusterWorkload[]> {
    try {
      const [deployments, statefulSets, daemonSets] = await Promise.all([
        this.read('list deployments', () => this.apps.listNamespacedDeployment({ namespace })),
        this.read('list statefulsets', () => this.apps.listNamespacedStatefulSet({ namespace })),
        this.read('list daemonsets', () => this.apps.listNamespacedDaemonSet({ namespace })),
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
    } catch (error) {
      throw toClusterError(error, `list workloads in ${namespace}`);
    }
  }

  async restartWorkload(kind: WorkloadKind, namespace: string, name: string, at: Date): Promise<void> {
    const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at.toISOString() } } } } };
    const options = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    try {
      await this.write(`restart ${kind.toLowerCase()}`, () => {
        switch (kind) {
          case 'Deployment':
            return this.apps.patchNamespacedDeployment({ name, namespace, body }, options);
          case 'StatefulSet':
            return this.apps.patchNamespacedStatefulSet({ name, namespace, body }, options);
          case 'DaemonSet':
            return this.apps.patchNamespacedDaemonSet({ name, namespace, body }, options);
        }
      });
    } catch (error) {
      throw toClusterError(error, `restart ${kind} ${namespace}/${name}`);
    }
  }

  async reviewToken(token: string, audiences: readonly string[]): Promise<TokenReviewResult> {
    try {
      // A review creates nothing, so it is as safe to retry as a read.
      const review = await this.read('review token', () =>
        this.authentication.createTokenReview({ body: { spec: { token, audiences: [...audiences] } } }),
      );
      return {
        authenticated: review.status?.authenticated === true,
        username: review.status?.user?.username,
        groups: review.status?.user?.groups ?? [],
        audiences: review.status?.audiences ?? [],
      };
    } catch (error) {
      throw toClusterError(error, 'review a ServiceAccount token');
    }
  }

  async ping(): Promise<void> {
    try {
      await this.read('list namespaces', () => this.core.listNamespace({ limit: 1 }));
    } catch (error) {
      throw toClusterError(error, 'reach the API server');
    }
  }

  private read<T>(verb: string, call: () => Promise<T>): Promise<T> {
    return withRetry(() => this.timed(verb, call), classifyForRetry, this.retryPolicy);
  }

  private write<T>(verb: string, call: () => Promise<T>): Promise<T> {
    return this.timed(verb, call);
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

function fromV1Secret(secret: V1Secret): ClusterSecret {
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

function toV1Secret(secret: SecretWrite, resourceVersion?: string): V1Secret {
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
