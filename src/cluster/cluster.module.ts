import { Global, Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CachedClusterGateway } from './cached-cluster.gateway.js';
import { ClusterGateway } from './cluster.gateway.js';
import { apiClientFactory, KeepAliveAuthentication } from './keep-alive.js';
import { KubernetesClusterGateway } from './kubernetes-cluster.gateway.js';
import { parseLabelSelector } from './label-selector.js';
import { DEFAULT_READ_RETRY } from './retry.js';
import { SecretCacheStatus, type SecretCacheState } from './secret-cache-status.js';
import { NoSecretChanges, SecretChangeFeed } from './secret-changes.js';
import { SecretStore } from './secret-store.js';
import { SecretWatcher } from './secret-watcher.js';

/** The kubeconfig file when one is configured or found, otherwise the in-cluster service account. */
export function loadKubeConfig(config: AppConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfigPath) kubeConfig.loadFromFile(config.kubeconfigPath);
  else kubeConfig.loadFromCluster();
  return kubeConfig;
}

const CACHE_OFF: SecretCacheStatus = {
  state: (): SecretCacheState => ({
    enabled: false,
    watches: 0,
    listed: 0,
    watching: 0,
    cachedSecrets: 0,
    silentWatchesDropped: 0,
  }),
  servesFromCache: () => false,
};

/**
 * The gateway: client-node over one keep-alive agent, wrapped in the secret watch cache unless
 * WATCH_SECRETS=false. The watches start once the application is up and stop with it.
 */
@Global()
@Module({
  providers: [
    { provide: KubeConfig, inject: [APP_CONFIG], useFactory: loadKubeConfig },
    {
      provide: KeepAliveAuthentication,
      inject: [KubeConfig],
      useFactory: (kubeConfig: KubeConfig) => new KeepAliveAuthentication(kubeConfig),
    },
    {
      provide: KubernetesClusterGateway,
      inject: [KubeConfig, KeepAliveAuthentication, MetricsService],
      useFactory: (kubeConfig: KubeConfig, authentication: KeepAliveAuthentication, metrics: MetricsService) =>
        new KubernetesClusterGateway(
          kubeConfig,
          (verb, seconds, failed) => metrics.observeClusterCall(verb, seconds, failed),
          DEFAULT_READ_RETRY,
          authentication,
        ),
    },
    {
      provide: SecretStore,
      inject: [APP_CONFIG],
      // A selector the API server would refuse stops the start, rather than leaving the cache never ready.
      useFactory: ({ cache }: AppConfig) =>
        new SecretStore(
          cache.watchSecrets && cache.watchLabelSelector ? parseLabelSelector(cache.watchLabelSelector) : undefined,
        ),
    },
    {
      provide: SecretWatcher,
      inject: [APP_CONFIG, KubeConfig, KeepAliveAuthentication, SecretStore, ROOT_LOGGER],
      useFactory: (
        config: AppConfig,
        kubeConfig: KubeConfig,
        authentication: KeepAliveAuthentication,
        store: SecretStore,
        logger: Logger,
      ) =>
        new SecretWatcher(
          kubeConfig,
          apiClientFactory(kubeConfig, authentication)(CoreV1Api),
          store,
          {
            namespaces: config.managedNamespaces,
            labelSelector: config.cache.watchLabelSelector,
            maxStalenessMs: config.cache.maxStalenessSeconds * 1000,
            heartbeatMs: config.cache.watchHeartbeatSeconds * 1000,
          },
          logger.child({ component: 'secret-cache' }),
        ),
    },
    {
      provide: ClusterGateway,
      inject: [APP_CONFIG, KubernetesClusterGateway, SecretStore, SecretWatcher],
      useFactory: (config: AppConfig, api: KubernetesClusterGateway, store: SecretStore, watcher: SecretWatcher) =>
        config.cache.watchSecrets ? new CachedClusterGateway(api, store, watcher) : api,
    },
    {
      provide: SecretChangeFeed,
      inject: [APP_CONFIG, SecretWatcher],
      useFactory: (config: AppConfig, watcher: SecretWatcher): SecretChangeFeed =>
        config.cache.watchSecrets ? { subscribe: (listener) => watcher.onChange(listener) } : new NoSecretChanges(),
    },
    {
      provide: SecretCacheStatus,
      inject: [APP_CONFIG, SecretWatcher],
      useFactory: (config: AppConfig, watcher: SecretWatcher) => (config.cache.watchSecrets ? watcher : CACHE_OFF),
    },
  ],
  exports: [ClusterGateway, SecretCacheStatus, SecretChangeFeed],
})
export class ClusterModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly authentication: KeepAliveAuthentication,
    private readonly watcher: SecretWatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.cache.watchSecrets) this.watcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.watcher.stop();
    this.authentication.destroy();
  }
}
