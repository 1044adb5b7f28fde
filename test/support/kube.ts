import { ApiException, AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubernetesEmulator } from '../../src/emulator/index.js';

/** client-node clients for arranging and inspecting the emulator's state from a test. */
export function kubeClients(emulator: KubernetesEmulator): { core: CoreV1Api; apps: AppsV1Api } {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(emulator.kubeconfig());
  return { core: kubeConfig.makeApiClient(CoreV1Api), apps: kubeConfig.makeApiClient(AppsV1Api) };
}

export async function createNamespaces(emulator: KubernetesEmulator, ...names: string[]): Promise<void> {
  const { core } = kubeClients(emulator);
  for (const name of names) await core.createNamespace({ body: { metadata: { name } } });
}

/** A Deployment whose container reads `secretName` through an env secretKeyRef. */
export async function createConsumerDeployment(
  emulator: KubernetesEmulator,
  namespace: string,
  name: string,
  secretName: string,
): Promise<void> {
  const { apps } = kubeClients(emulator);
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.local/app:1',
                env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: secretName, key: 'password' } } }],
              },
            ],
          },
        },
      },
    },
  });
}

/** GETs of single Secrets the emulator has answered (reads that did not come from the broker's watch cache). */
export function secretReads(emulator: KubernetesEmulator, namespace?: string): number {
  const path = namespace ? new RegExp(`^/api/v1/namespaces/${namespace}/secrets/[^/]+$`) : /\/secrets\/[^/]+$/;
  return emulator.requests.filter((request) => request.method === 'GET' && path.test(request.path)).length;
}

/** Creates or replaces a Secret directly at the emulator, as kubectl would: behind the broker's back. */
export async function putSecret(
  emulator: KubernetesEmulator,
  namespace: string,
  name: string,
  values: Record<string, string>,
): Promise<void> {
  const { core } = kubeClients(emulator);
  const data = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  const existing = await core.readNamespacedSecret({ name, namespace }).catch((error: unknown) => {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  });
  if (existing) {
    await core.replaceNamespacedSecret({ name, namespace, body: { ...existing, data } });
  } else {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name }, data } });
  }
}
