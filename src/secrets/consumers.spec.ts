import { describe, expect, it } from 'vitest';
import type { ClusterWorkload } from '../cluster/cluster.gateway.js';
import { findConsumers } from './consumers.js';

const workload = (
  name: string,
  template: ClusterWorkload['template'],
  kind: ClusterWorkload['kind'] = 'Deployment',
): ClusterWorkload => ({
  kind,
  namespace: 'team-a',
  name,
  template,
});

describe('findConsumers', () => {
  it('finds env, envFrom, volume and projected volume references', () => {
    const consumers = findConsumers(
      [
        workload('api', {
          containers: [
            {
              name: 'app',
              env: [{ name: 'DB_PASSWORD', secretKeyRef: { name: 'db-main', key: 'password' } }, { name: 'OTHER' }],
              envFromSecrets: ['db-main'],
            },
          ],
          volumes: [
            { name: 'creds', secretName: 'db-main' },
            { name: 'bundle', projectedSecretNames: ['tls', 'db-main'] },
          ],
        }),
        workload('unrelated', { containers: [{ name: 'x', envFromSecrets: ['other'] }], volumes: [] }, 'DaemonSet'),
      ],
      'db-main',
    );
    expect(consumers).toEqual([
      {
        kind: 'Deployment',
        namespace: 'team-a',
        name: 'api',
        usages: [
          { type: 'env', container: 'app', variable: 'DB_PASSWORD', key: 'password' },
          { type: 'envFrom', container: 'app' },
          { type: 'volume', volume: 'creds' },
          { type: 'projectedVolume', volume: 'bundle' },
        ],
      },
    ]);
  });
});
