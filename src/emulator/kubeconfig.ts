export interface KubeconfigOptions {
  server: string;
  caPem: string;
  token: string;
  namespace?: string;
}

/** A kubeconfig as JSON (a YAML superset, read by kubectl and client-node alike). */
export function buildKubeconfig(o: KubeconfigOptions): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'emulator',
          cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') },
        },
      ],
      users: [{ name: 'emulator-user', user: { token: o.token } }],
      contexts: [
        {
          name: 'emulator',
          context: { cluster: 'emulator', user: 'emulator-user', namespace: o.namespace ?? 'default' },
        },
      ],
      'current-context': 'emulator',
      preferences: {},
    },
    null,
    2,
  );
}
