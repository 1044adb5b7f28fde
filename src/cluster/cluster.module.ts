import { Global, Module } from '@nestjs/common';
import { KubeConfig } from '@kubernetes/client-node';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterGateway } from './cluster.gateway.js';
import { KubernetesClusterGateway } from './kubernetes-cluster.gateway.js';

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
    {
      provide: ClusterGateway,
      inject: [APP_CONFIG, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService) =>
        new KubernetesClusterGateway(loadKubeConfig(config), (verb, seconds, failed) =>
          metrics.observeClusterCall(verb, seconds, failed),
        ),
    },
  ],
  exports: [ClusterGateway],
})
export class ClusterModule {}
