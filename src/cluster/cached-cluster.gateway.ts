import {
  ClusterGateway,
  type ClusterConfigMap,
  type ClusterSecret,
  type ClusterWorkload,
  type BoundTokenRequest,
  type ConfigMapWrite,
  type IssuedToken,
  type ObjectIdentity,
  type SecretPage,
  type SecretWrite,
  type TokenReviewResult,
  type WorkloadKind,
} from './cluster.gateway.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { fromV1Secret, toCachedV1Secret } from './secret-objects.js';
import type { SecretStore } from './secret-store.js';
import type { SecretWatcher } from './secret-watcher.js';

/**
 * The gateway with secret reads served from a watch cache. Everything goes to `api` (the
 * client-node gateway) except `getSecret` for a secret the cache knows while its namespace is
 * watched. The broker's own writes update the cache as soon as they succeed (read-your-writes);
 * a failed write makes the next read of that secret go to the API server, since it may have landed.
 * Lists and workloads always go to the API server. While a watch is lost, reads go to the API
 * server, and fall back to the cache only when it cannot be reached.
 */
export class CachedClusterGateway extends ClusterGateway {
  constructor(
    private readonly api: ClusterGateway,
    private readonly store: SecretStore,
    private readonly watcher: SecretWatcher,
  ) {
    super();
  }

  async getSecret(namespace: string, name: string): Promise<ClusterSecret | undefined> {
    if (!this.watcher.covers(namespace)) return this.api.getSecret(namespace, name);
    if (this.watcher.serves(namespace)) {
      const cached = this.store.lookup(namespace, name);
      if (cached.known) return cached.secret && fromV1Secret(cached.secret);
    }
    const ticket = this.store.ticket(namespace, name);
    let secret: ClusterSecret | undefined;
    try {
      secret = await this.api.getSecret(namespace, name);
    } catch (error) {
      return this.staleOr(namespace, name, error);
    }
    this.store.answered(namespace, name, ticket, secret && toCachedV1Secret(secret));
    return secret;
  }

  /**
   * The API server cannot be read: a lost watch's copy is served while it is within the staleness
   * bound (CACHE_MAX_STALENESS_SECONDS), so reads survive an API outage; after that, the error.
   */
  private staleOr(namespace: string, name: string, error: unknown): ClusterSecret | undefined {
    const unreachable = error instanceof DomainError && error.code === ErrorCode.Unavailable;
    if (!unreachable || !this.watcher.servesStale(namespace)) throw error;
    const cached = this.store.lookup(namespace, name);
    if (!cached.known) throw error;
    return cached.secret && fromV1Secret(cached.secret);
  }

  listSecrets(
    namespace: string,
    options: { labelSelector?: string; limit?: number; continueToken?: string },
  ): Promise<SecretPage> {
    return this.api.listSecrets(namespace, options);
  }

  createSecret(secret: SecretWrite): Promise<ClusterSecret> {
    return this.written(secret, () => this.api.createSecret(secret));
  }

  replaceSecret(secret: SecretWrite, resourceVersion: string): Promise<ClusterSecret> {
    return this.written(secret, () => this.api.replaceSecret(secret, resourceVersion));
  }

  async deleteSecret(namespace: string, name: string, resourceVersion: string): Promise<void> {
    await this.invalidatingOnFailure(namespace, name, () => this.api.deleteSecret(namespace, name, resourceVersion));
    if (this.watcher.covers(namespace)) this.store.deleted(namespace, name, resourceVersion);
  }

  getConfigMap(namespace: string, name: string): Promise<ClusterConfigMap | undefined> {
    return this.api.getConfigMap(namespace, name);
  }

  createConfigMap(configMap: ConfigMapWrite): Promise<ClusterConfigMap> {
    return this.api.createConfigMap(configMap);
  }

  replaceConfigMap(configMap: ConfigMapWrite, resourceVersion: string): Promise<ClusterConfigMap> {
    return this.api.replaceConfigMap(configMap, resourceVersion);
  }

  listWorkloads(namespace: string): Promise<ClusterWorkload[]> {
    return this.api.listWorkloads(namespace);
  }

  restartWorkload(kind: WorkloadKind, namespace: string, name: string, at: Date): Promise<void> {
    return this.api.restartWorkload(kind, namespace, name, at);
  }

  // Binding Secrets hold nothing a reader asks for; the watch sees them like any other Secret.
  createBindingSecret(
    namespace: string,
    name: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<ObjectIdentity> {
    return this.api.createBindingSecret(namespace, name, labels);
  }

  deleteBindingSecret(secret: ObjectIdentity): Promise<boolean> {
    return this.api.deleteBindingSecret(secret);
  }

  requestBoundToken(request: BoundTokenRequest): Promise<IssuedToken> {
    return this.api.requestBoundToken(request);
  }

  reviewToken(token: string, audiences: readonly string[]): Promise<TokenReviewResult> {
    return this.api.reviewToken(token, audiences);
  }

  ping(): Promise<void> {
    return this.api.ping();
  }

  private async written(target: SecretWrite, write: () => Promise<ClusterSecret>): Promise<ClusterSecret> {
    const written = await this.invalidatingOnFailure(target.namespace, target.name, write);
    if (this.watcher.covers(written.namespace)) this.store.written(toCachedV1Secret(written));
    return written;
  }

  private async invalidatingOnFailure<T>(namespace: string, name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (this.watcher.covers(namespace)) this.store.invalidate(namespace, name);
      throw error;
    }
  }
}
