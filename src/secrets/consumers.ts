import type { ClusterWorkload, WorkloadKind } from '../cluster/cluster.gateway.js';

export type UsageType = 'env' | 'envFrom' | 'volume' | 'projectedVolume';

export interface SecretUsage {
  readonly type: UsageType;
  readonly container?: string;
  readonly variable?: string;
  readonly key?: string;
  readonly volume?: string;
}

export interface SecretConsumer {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly usages: readonly SecretUsage[];
}

/** The workloads whose pod template references `secretName`, and each way it does (blast radius). */
export function findConsumers(workloads: readonly ClusterWorkload[], secretName: string): SecretConsumer[] {
  return workloads.flatMap((workload) => {
    const usages = usagesOf(workload, secretName);
    return usages.length === 0
      ? []
      : [{ kind: workload.kind, namespace: workload.namespace, name: workload.name, usages }];
  });
}

function usagesOf(workload: ClusterWorkload, secretName: string): SecretUsage[] {
  const usages: SecretUsage[] = [];
  for (const container of workload.template.containers) {
    for (const variable of container.env ?? []) {
      if (variable.secretKeyRef?.name === secretName) {
        usages.push({
          type: 'env',
          container: container.name,
          variable: variable.name,
          key: variable.secretKeyRef.key,
        });
      }
    }
    if ((container.envFromSecrets ?? []).includes(secretName))
      usages.push({ type: 'envFrom', container: container.name });
  }
  for (const volume of workload.template.volumes) {
    if (volume.secretName === secretName) usages.push({ type: 'volume', volume: volume.name });
    if ((volume.projectedSecretNames ?? []).includes(secretName))
      usages.push({ type: 'projectedVolume', volume: volume.name });
  }
  return usages;
}
