import { DEFAULT_TOKEN_AUDIENCE } from '../../src/config/app-config.js';
import type { KubernetesEmulator } from '../../src/emulator/index.js';
import { kubeClients } from './kube.js';

/** The audience kube-apiserver mints tokens for when a TokenRequest names none. */
export const API_SERVER_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountTokenOptions {
  /** Defaults to the broker's audience. */
  readonly audiences?: string[];
  readonly boundSecret?: { readonly name: string; readonly uid: string };
}

/** A TokenRequest token for the ServiceAccount (created if missing), as kubelet would project it. */
export async function serviceAccountToken(
  emulator: KubernetesEmulator,
  namespace: string,
  name: string,
  options: ServiceAccountTokenOptions = {},
): Promise<string> {
  const { core } = kubeClients(emulator);
  await core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name } } })
    .catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
  const { audiences = [DEFAULT_TOKEN_AUDIENCE], boundSecret } = options;
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: {
      spec: {
        audiences,
        expirationSeconds: 3600,
        boundObjectRef: boundSecret ? { kind: 'Secret', apiVersion: 'v1', ...boundSecret } : undefined,
      },
    },
  });
  return request.status?.token ?? '';
}

/** The TokenReview calls the emulator has seen since its request log was last cleared. */
export function tokenReviewsSeen(emulator: KubernetesEmulator): number {
  return emulator.requests.filter((request) => request.path.includes('tokenreviews')).length;
}
