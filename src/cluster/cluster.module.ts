import { Global, Module, type OnModuleDestroy } from '@nestjs/common';
import { KubeConfig } from '@kubernetes/client-node';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterGateway } from './cluster.gateway.js';
import { KeepAliveAuthentication } from './keep-alive.js';
import { KubernetesClusterGateway } from './kubernetes-cluster.gateway.js';
import { DEFAULT_READ_RETRY } from './retry.js';

/** The kubeconfig file when one is configured or found, otherwise the in-cluster service account. */
export function loadKubeConfig(config: AppConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfigPath) kubeConfig.loadFromFile(config.kubeconfigPath);
  else kubeConfig.loadFromCluster();
  return kubeConfig;
}

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
      provide: ClusterGateway,
      inject: [KubeConfig, KeepAliveAuthentication, MetricsService],
      useFactory: (kubeConfig: KubeConfig, authentication: KeepAliveAuthentication, metrics: MetricsService) =>
        new KubernetesClusterGateway(
          kubeConfig,
          (verb, seconds, failed) => metrics.observeClusterCall(verb, seconds, failed),
          DEFAULT_READ_RETRY,
          authentication,
        ),
    },
  ],
  exports: [ClusterGateway],
})
export class ClusterModule implements OnModuleDestroy {
  constructor(private readonly authentication: KeepAliveAuthentication) {}

  onModuleDestroy(): void {
    this.authentication.destroy();
  }
}
