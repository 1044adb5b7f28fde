import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { KubernetesEmulator } from '../../src/emulator/index.js';

function clients(emulator: KubernetesEmulator): { core: CoreV1Api; authentication: AuthenticationV1Api } {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(emulator.kubeconfig());
  return { core: kubeConfig.makeApiClient(CoreV1Api), authentication: kubeConfig.makeApiClient(AuthenticationV1Api) };
}

/** Dev mode's cluster survives a restart: objects, certificate, admin token and signing key. */
describe('an emulator with a state directory', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('comes back with the same objects, identity and tokens after a restart', async () => {
    const first = await KubernetesEmulator.start({ stateDir });
    first.ensureNamespace('team-a');
    const { core } = clients(first);
    await core.createNamespacedSecret({
      namespace: 'team-a',
      body: {
        metadata: { name: 'db-main', labels: { tier: 'db' } },
        data: { password: Buffer.from('kept').toString('base64') },
      },
    });
    await core.createNamespacedServiceAccount({ namespace: 'team-a', body: { metadata: { name: 'app' } } });
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: 'app',
        namespace: 'team-a',
        body: { spec: { audiences: [] } },
      })
    ).status?.token;
    const identity = { adminToken: first.adminToken, caPem: first.caPem };
    await first.stop();

    const second = await KubernetesEmulator.start({ stateDir });
    try {
      expect({ adminToken: second.adminToken, caPem: second.caPem }).toEqual(identity);
      const again = clients(second);
      const secret = await again.core.readNamespacedSecret({ name: 'db-main', namespace: 'team-a' });
      expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toBe('kept');
      expect(secret.metadata?.labels).toEqual({ tier: 'db' });
      const review = await again.authentication.createTokenReview({ body: { spec: { token } } });
      expect(review.status?.authenticated).toBe(true);
      // Newer writes get newer resourceVersions than anything saved.
      const updated = await again.core.replaceNamespacedSecret({
        name: 'db-main',
        namespace: 'team-a',
        body: { ...secret, data: { password: 'bmV3' } },
      });
      expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(secret.metadata?.resourceVersion));
    } finally {
      await second.stop();
    }
  });
});
