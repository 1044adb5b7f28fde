import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubernetesEmulator } from '../../src/emulator/index.js';
import type { Broker } from '../support/broker.js';
import { kubeClients } from '../support/kube.js';

export interface LeaseBody {
  readonly id: string;
  readonly subject: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audiences: string[];
  readonly reason: string | null;
  readonly state: 'pending' | 'active' | 'revoked' | 'expired';
  readonly ownerSecret: string;
  readonly tokenFingerprint: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly endedAt: string | null;
  readonly endedBy: string | null;
}

export interface LeasedTokenBody {
  readonly lease: LeaseBody;
  readonly token: string;
  readonly tokenExpiresAt: string;
}

/** A ServiceAccount in the emulator (kept if it exists). */
export async function createServiceAccount(
  emulator: KubernetesEmulator,
  namespace: string,
  name: string,
): Promise<void> {
  await kubeClients(emulator)
    .core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } })
    .catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
}

/** What the cluster's TokenReview says of `token` for `audiences`. */
export async function clusterReview(
  emulator: KubernetesEmulator,
  token: string,
  audiences: string[],
): Promise<{ authenticated: boolean; username: string | undefined }> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(emulator.kubeconfig());
  const review = await kubeConfig
    .makeApiClient(AuthenticationV1Api)
    .createTokenReview({ body: { spec: { token, audiences } } });
  return { authenticated: review.status?.authenticated === true, username: review.status?.user?.username };
}

/** Polls `check` every 50 ms until it holds or `withinMs` passed; the time it took. */
export async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

export function leaseRequest(broker: Broker, subject: string, namespace: string, name: string) {
  return broker.as(subject).post(`/v1/namespaces/${namespace}/serviceaccounts/${name}/leases`);
}
