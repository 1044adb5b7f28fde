// An application that requests its credentials from the broker once, at start-up, and keeps
// them in memory. Run it with BROKER_URL, BROKER_TOKEN, SECRET_NAMESPACE and SECRET_NAME set.
import { pathToFileURL } from 'node:url';
import { createBrokerClient, type BrokerClient } from './index.js';

/** The values of one secret, by key, in the encoding the broker gives (UTF-8 text, or base64 for binary values). */
export type Credentials = ReadonlyMap<string, string>;

/** Requests every key of `namespace/name`; a refusal throws with the broker's problem detail and request id. */
export async function requestCredentials(client: BrokerClient, namespace: string, name: string): Promise<Credentials> {
  const { data, error, response } = await client.POST('/v1/namespaces/{namespace}/secrets/{name}/request', {
    params: { path: { namespace, name } },
    body: { reason: 'application start-up' },
  });
  if (error) throw new Error(`${response.status} ${error.title}: ${error.detail} (request ${error.requestId})`);
  return new Map(data.values.map((value) => [value.key, value.value]));
}

async function main(): Promise<void> {
  const setting = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
  };
  const client = createBrokerClient(setting('BROKER_URL'), setting('BROKER_TOKEN'));
  const credentials = await requestCredentials(client, setting('SECRET_NAMESPACE'), setting('SECRET_NAME'));
  // Key names only: the values stay in memory, out of logs.
  console.log(`credentials loaded: ${[...credentials.keys()].join(', ')}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
